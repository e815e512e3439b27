-- Idempotency keys, dead letters, assembly analytics and the audit trail.
CREATE TABLE idempotency_keys (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  scope text NOT NULL CHECK (char_length(scope) BETWEEN 1 AND 100),
  key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
  request_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  result jsonb,
  attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, scope, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

CREATE TABLE job_failures (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  job_type text NOT NULL,
  payload jsonb NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL CHECK (attempts >= 0),
  first_failed_at timestamptz NOT NULL DEFAULT now(),
  last_failed_at timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz
);
CREATE INDEX job_failures_org_idx ON job_failures (org_id, id DESC);

-- Append-only analytics; pruned by time by the maintenance job.
CREATE TABLE assembly_events (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL,
  session_id text,
  model text,
  total_ms real NOT NULL CHECK (total_ms >= 0),
  stage_ms jsonb NOT NULL DEFAULT '{}'::jsonb,
  candidates_evaluated integer NOT NULL DEFAULT 0,
  memories_injected integer NOT NULL DEFAULT 0,
  tokens_injected integer NOT NULL DEFAULT 0,
  directive_tokens integer NOT NULL DEFAULT 0,
  degradation_level smallint NOT NULL DEFAULT 0 CHECK (degradation_level BETWEEN 0 AND 3),
  fallback_reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assembly_events_org_time_idx ON assembly_events (org_id, created_at DESC);
CREATE INDEX assembly_events_agent_time_idx ON assembly_events (org_id, agent_id, created_at DESC);

CREATE TABLE audit_log (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  actor text NOT NULL,
  action text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
  target text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_idx ON audit_log (org_id, id DESC);
