-- Extensions, the application role and the tenant-scope helpers.
CREATE EXTENSION IF NOT EXISTS vector;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'engram_app') THEN
    CREATE ROLE engram_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;

-- The migrating user switches to the app role per transaction (SET LOCAL ROLE).
GRANT engram_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO engram_app;

-- The org a transaction is scoped to; NULL (never a cast error) when unset, so
-- every policy that compares with it admits nothing: fail closed.
CREATE OR REPLACE FUNCTION engram_current_org() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.current_org_id', true), '')::uuid $$;

-- The single token an authentication lookup may read before its org is known.
CREATE OR REPLACE FUNCTION engram_token_lookup_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.token_lookup_id', true), '')::uuid $$;

-- Non-tenant bookkeeping (bootstrap marker). Not granted to the app role.
CREATE TABLE IF NOT EXISTS engram_system (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
