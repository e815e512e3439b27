-- GDPR purges (ADR-0045): the deletion record of an org or of one agent.

-- A purge row holds its scope, who asked, its progress and, once every store reports
-- the scope empty, the signed deletion certificate: ids and counts, never org data.
-- org_id and agent_id carry no foreign key, so the record outlives what it erased.
CREATE TABLE purges (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL,
  agent_id uuid,
  scope text NOT NULL CHECK (scope IN ('org', 'agent')),
  -- The token that asked (the audit log's actor).
  requester text NOT NULL CHECK (char_length(requester) BETWEEN 1 AND 100),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  -- The job that runs it, and how many runs have started.
  job_id uuid,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error text CHECK (char_length(last_error) <= 200),
  progress jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(progress) = 'object'),
  counts jsonb,
  certificate jsonb,
  signature text CHECK (signature ~ '^[0-9a-f]{64}$'),
  requested_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((scope = 'agent') = (agent_id IS NOT NULL)),
  CHECK ((status = 'succeeded') = (certificate IS NOT NULL AND signature IS NOT NULL))
);
-- One purge per org and per agent: asking again returns the first.
CREATE UNIQUE INDEX purges_org_key ON purges (org_id) WHERE scope = 'org';
CREATE UNIQUE INDEX purges_agent_key ON purges (org_id, agent_id) WHERE scope = 'agent';

ALTER TABLE purges ENABLE ROW LEVEL SECURITY;
ALTER TABLE purges FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON purges
  USING (org_id = engram_current_org()) WITH CHECK (org_id = engram_current_org());
-- Platform admins read every org's purges (an org's own tokens die with its purge).
CREATE POLICY maintenance_read ON purges FOR SELECT USING (engram_maintenance() = 'purges');
-- The record is permanent: the application may not delete it.
GRANT SELECT, INSERT, UPDATE ON purges TO engram_app;

-- audit_log is append-only for the application and hangs off nothing but the org row.
-- This function removes it in batches for the org in scope, and only while that org's
-- purge is running: it cannot erase the trail of a live organisation. It runs as the
-- migration's owner (who holds DELETE); row-level security still applies to that owner
-- unless it is a superuser, and the statement names the org either way.
-- (memory_versions and directive_versions go with their parent rows: foreign-key
-- cascades run as the table owner, so deleting a memory or a directive removes its history.)
CREATE FUNCTION engram_purge_audit_log(p_limit integer) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
DECLARE
  org uuid := engram_current_org();
  n integer;
BEGIN
  IF org IS NULL OR p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 OR NOT EXISTS (
    SELECT 1 FROM purges WHERE org_id = org AND scope = 'org' AND status = 'running'
  ) THEN
    RAISE EXCEPTION 'no purge of this organisation is running' USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM audit_log WHERE org_id = org AND id IN (
    SELECT id FROM audit_log WHERE org_id = org ORDER BY id LIMIT p_limit);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION engram_purge_audit_log(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION engram_purge_audit_log(integer) TO engram_app;

-- The retention sweep removes finished sessions past their org's retention by age.
CREATE INDEX sessions_finished_idx ON sessions (org_id, (coalesce(completed_at, last_activity_at)))
  WHERE status <> 'active';

-- Deleting a memory checks every memory that could point at it, and deleting a
-- session every memory extracted from it; without these indexes each check scanned
-- the org's memories, once per deleted row (purges and the retention sweep delete
-- thousands). The pointers are rare, so the first two stay small.
CREATE INDEX memories_superseded_by_idx ON memories (superseded_by) WHERE superseded_by IS NOT NULL;
CREATE INDEX memories_merged_into_idx ON memories (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX memories_session_idx ON memories (org_id, session_id) WHERE session_id IS NOT NULL;
