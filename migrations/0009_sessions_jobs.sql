-- Session ingestion and the job queue (ADR-0044, ADR-0036).

-- A message's own time as the gateway reports it (created_at is when Engram received
-- it), and free-form metadata the gateway attaches (tool call ids, model, …).
ALTER TABLE session_messages ADD COLUMN sent_at timestamptz;
ALTER TABLE session_messages ADD COLUMN metadata jsonb;
ALTER TABLE sessions ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'::jsonb;
CREATE INDEX sessions_agent_started_idx ON sessions (org_id, agent_id, created_at DESC);

-- Background work that spans organisations (the job worker's claim, the idle-session
-- sweep) runs as the app role with `app.maintenance` naming its purpose; each table's
-- maintenance policy admits exactly that purpose. Unset, it admits nothing.
CREATE OR REPLACE FUNCTION engram_maintenance() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.maintenance', true), '') $$;

-- The job ledger: every job of every transport (embedded worker, QStash, Workers' cron)
-- is a row here first, committed with the change that caused it.
CREATE TABLE jobs (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (char_length(type) BETWEEN 1 AND 64),
  version smallint NOT NULL CHECK (version >= 1),
  payload jsonb NOT NULL,
  -- The idempotency key: enqueueing the same key again returns the first job.
  dedup_key text NOT NULL CHECK (char_length(dedup_key) BETWEEN 1 AND 255),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL CHECK (max_attempts >= 1),
  run_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  last_error text,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (org_id, id),
  UNIQUE (org_id, dedup_key)
);
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status IN ('queued', 'failed');
CREATE INDEX jobs_lease_idx ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_org_idx ON jobs (org_id, id DESC);
CREATE INDEX jobs_org_status_idx ON jobs (org_id, status, id DESC);

ALTER TABLE job_failures ADD COLUMN job_id uuid;
CREATE INDEX job_failures_job_idx ON job_failures (org_id, job_id);

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON jobs
  USING (org_id = engram_current_org()) WITH CHECK (org_id = engram_current_org());
CREATE POLICY maintenance ON jobs
  USING (engram_maintenance() = 'jobs') WITH CHECK (engram_maintenance() = 'jobs');
CREATE POLICY maintenance ON job_failures
  USING (engram_maintenance() = 'jobs') WITH CHECK (engram_maintenance() = 'jobs');
CREATE POLICY maintenance ON sessions
  USING (engram_maintenance() = 'sessions') WITH CHECK (engram_maintenance() = 'sessions');
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs TO engram_app;
