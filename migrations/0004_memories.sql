-- Long-term memories with embeddings, their history, links and tags.
CREATE TABLE memories (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL,
  session_id uuid,
  content text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 8192),
  content_hash text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
  -- The dimension is a deployment constant (384 matches all-MiniLM-L6-v2).
  embedding vector(384),
  embedding_model text,
  category text NOT NULL CHECK (category IN ('factual', 'preference', 'behavioral', 'episodic', 'procedural')),
  source text NOT NULL DEFAULT 'user_provided' CHECK (source IN ('extracted', 'user_provided', 'imported', 'inferred')),
  status text NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'superseded', 'merged', 'archived', 'pending_review', 'quarantined')),
  confidence real NOT NULL DEFAULT 0.8 CHECK (confidence BETWEEN 0 AND 1),
  usefulness real NOT NULL DEFAULT 0.5 CHECK (usefulness BETWEEN 0 AND 1),
  retrieval_count integer NOT NULL DEFAULT 0 CHECK (retrieval_count >= 0),
  last_retrieved_at timestamptz,
  last_injected_at timestamptz,
  superseded_by uuid REFERENCES memories (id),
  merged_into uuid REFERENCES memories (id),
  valid_from timestamptz NOT NULL DEFAULT now(),
  valid_until timestamptz,
  pii_redacted jsonb NOT NULL DEFAULT '{}'::jsonb,
  injection_risk real NOT NULL DEFAULT 0 CHECK (injection_risk BETWEEN 0 AND 1),
  expires_at timestamptz,
  deleted_at timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
  content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  CHECK (NOT (status = 'active' AND superseded_by IS NOT NULL)),
  CHECK (superseded_by IS DISTINCT FROM id AND merged_into IS DISTINCT FROM id),
  FOREIGN KEY (org_id, agent_id) REFERENCES agents (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE SET NULL (session_id)
);
CREATE UNIQUE INDEX memories_active_hash_key ON memories (org_id, agent_id, content_hash)
  WHERE status = 'active' AND deleted_at IS NULL;
CREATE INDEX memories_active_recent_idx ON memories (org_id, agent_id, created_at DESC)
  WHERE status = 'active' AND deleted_at IS NULL;
CREATE INDEX memories_category_idx ON memories (org_id, agent_id, category);
CREATE INDEX memories_list_idx ON memories (org_id, agent_id, id DESC);
CREATE INDEX memories_tsv_idx ON memories USING gin (content_tsv);
-- Provisional ANN index (HNSW, cosine) over live rows; ADR-0035 settles the index
-- and its parameters from measurements and a later migration replaces this one.
CREATE INDEX memories_embedding_hnsw_idx ON memories USING hnsw (embedding vector_cosine_ops)
  WITH (m = 16, ef_construction = 64)
  WHERE status = 'active' AND deleted_at IS NULL;

CREATE TABLE memory_versions (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL,
  memory_id uuid NOT NULL,
  version_num integer NOT NULL CHECK (version_num >= 1),
  operation text NOT NULL
    CHECK (operation IN ('create', 'update', 'supersede', 'merge', 'archive', 'delete', 'restore')),
  snapshot jsonb NOT NULL,
  changed_by text NOT NULL CHECK (changed_by IN ('extraction', 'user', 'system', 'conflict_resolution')),
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (memory_id, version_num),
  FOREIGN KEY (org_id, memory_id) REFERENCES memories (org_id, id) ON DELETE CASCADE
);

CREATE TABLE memory_relationships (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL,
  source_id uuid NOT NULL,
  target_id uuid NOT NULL,
  relation text NOT NULL
    CHECK (relation IN ('supports', 'contradicts', 'supersedes', 'refines', 'merged_from', 'derived_from')),
  confidence real CHECK (confidence BETWEEN 0 AND 1),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (source_id <> target_id),
  UNIQUE (source_id, target_id, relation),
  FOREIGN KEY (org_id, source_id) REFERENCES memories (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, target_id) REFERENCES memories (org_id, id) ON DELETE CASCADE
);
CREATE INDEX memory_relationships_target_idx ON memory_relationships (target_id);

CREATE TABLE memory_tags (
  memory_id uuid NOT NULL,
  org_id uuid NOT NULL,
  tag text NOT NULL CHECK (char_length(tag) BETWEEN 1 AND 64),
  PRIMARY KEY (memory_id, tag),
  FOREIGN KEY (org_id, memory_id) REFERENCES memories (org_id, id) ON DELETE CASCADE
);
CREATE INDEX memory_tags_tag_idx ON memory_tags (org_id, tag);
