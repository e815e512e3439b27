-- Exact de-duplication looks a hash up among active, pending and quarantined memories;
-- the unique index covers active rows only, so the lookup needs its own index.
CREATE INDEX memories_hash_lookup_idx ON memories (org_id, agent_id, content_hash) WHERE deleted_at IS NULL;
