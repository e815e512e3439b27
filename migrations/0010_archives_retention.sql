-- Session archives and retention (ADR-0041).

-- How the archive object's bytes are encoded (`gzip`), as its Content-Encoding says.
ALTER TABLE session_archives ADD COLUMN content_encoding text;
CREATE INDEX session_archives_org_time_idx ON session_archives (org_id, created_at);

-- Once a session is archived, its messages may be pruned from Postgres after
-- SESSION_MESSAGES_RETAIN_DAYS; the session is then read through its archive.
ALTER TABLE sessions ADD COLUMN messages_pruned_at timestamptz;
CREATE INDEX sessions_prunable_idx ON sessions (org_id, completed_at)
  WHERE status <> 'active' AND archive_key IS NOT NULL AND messages_pruned_at IS NULL;

-- The retention sweep's per-org scans.
CREATE INDEX memories_soft_deleted_idx ON memories (org_id, deleted_at) WHERE deleted_at IS NOT NULL;

-- The retention sweep lists the orgs (and reads their retention settings) across
-- organisations; it then works inside each org's own scope. Reading is all it may do.
CREATE POLICY maintenance_read ON orgs FOR SELECT USING (engram_maintenance() = 'retention');
