-- Directives (versioned system prompts) and conversation sessions.
CREATE TABLE directives (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL UNIQUE,
  active_version_id uuid,
  injection_mode text NOT NULL DEFAULT 'system_first' CHECK (injection_mode IN ('system_first', 'system_append')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, agent_id) REFERENCES agents (org_id, id) ON DELETE CASCADE
);

CREATE TABLE directive_versions (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL,
  directive_id uuid NOT NULL,
  version_num integer NOT NULL CHECK (version_num >= 1),
  content text NOT NULL CHECK (char_length(content) <= 32768),
  content_hash text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (directive_id, version_num),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, directive_id) REFERENCES directives (org_id, id) ON DELETE CASCADE
);
ALTER TABLE directives
  ADD CONSTRAINT directives_active_version_fk FOREIGN KEY (org_id, active_version_id)
  REFERENCES directive_versions (org_id, id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL,
  external_id text NOT NULL CHECK (char_length(external_id) BETWEEN 1 AND 255),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'abandoned')),
  turn_count integer NOT NULL DEFAULT 0 CHECK (turn_count >= 0),
  last_extracted_turn integer NOT NULL DEFAULT -1 CHECK (last_extracted_turn >= -1),
  last_activity_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  archive_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  UNIQUE (org_id, agent_id, external_id),
  FOREIGN KEY (org_id, agent_id) REFERENCES agents (org_id, id) ON DELETE RESTRICT
);
CREATE INDEX sessions_agent_idx ON sessions (org_id, agent_id, id DESC);
CREATE INDEX sessions_idle_idx ON sessions (last_activity_at) WHERE status = 'active';

-- The Postgres ChatMemory: one row per message, replaced as a whole on save.
CREATE TABLE session_messages (
  session_id uuid NOT NULL,
  org_id uuid NOT NULL,
  seq integer NOT NULL CHECK (seq >= 0),
  role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content text NOT NULL,
  tokens integer CHECK (tokens >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, seq),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE
);

CREATE TABLE session_archives (
  session_id uuid PRIMARY KEY,
  org_id uuid NOT NULL,
  object_key text NOT NULL,
  bytes bigint NOT NULL CHECK (bytes >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  message_count integer NOT NULL CHECK (message_count >= 0),
  format_version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE
);
