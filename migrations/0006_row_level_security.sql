-- Row-level security, enabled and forced on every tenant table, plus the app role's grants.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'users', 'agents', 'directives', 'directive_versions', 'sessions', 'session_messages',
    'session_archives', 'memories', 'memory_versions', 'memory_relationships', 'memory_tags',
    'idempotency_keys', 'job_failures', 'assembly_events', 'audit_log'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (org_id = engram_current_org()) WITH CHECK (org_id = engram_current_org())',
      t);
  END LOOP;
END
$$;

ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON orgs
  USING (id = engram_current_org()) WITH CHECK (id = engram_current_org());

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_tokens
  USING (org_id = engram_current_org()) WITH CHECK (org_id = engram_current_org());
-- Authentication reads exactly the token its caller named, before the org is known.
CREATE POLICY token_lookup ON api_tokens FOR SELECT USING (id = engram_token_lookup_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON
  orgs, users, agents, api_tokens, directives, sessions, session_messages, session_archives,
  memories, memory_relationships, memory_tags, idempotency_keys, job_failures, assembly_events
  TO engram_app;
-- History tables are append-only for the application.
GRANT SELECT, INSERT ON directive_versions, memory_versions, audit_log TO engram_app;
