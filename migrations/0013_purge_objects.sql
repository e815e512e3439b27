-- The objects a purge has taken on (ADR-0045), by the SHA-256 of their keys: a chunk's
-- keys are recorded here, in the transaction that counts them, before they are deleted,
-- and only keys not recorded before are counted. A retried run, a second run racing a
-- first whose lease lapsed, or a key listed twice therefore counts each object once.
-- Hashes, not keys: a key names the gateway's session id. Emptied in the transaction
-- that writes the certificate. No org_id column: the rows belong to their purge, and
-- an org's own purge must not erase them as org data.
CREATE TABLE purge_objects (
  purge_id uuid NOT NULL REFERENCES purges (id),
  key_sha256 text NOT NULL CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (purge_id, key_sha256)
);

ALTER TABLE purge_objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE purge_objects FORCE ROW LEVEL SECURITY;
-- Visible to the org in scope through its purge (the purges policy applies in the subquery).
CREATE POLICY tenant_isolation ON purge_objects
  USING (EXISTS (SELECT 1 FROM purges p WHERE p.id = purge_id AND p.org_id = engram_current_org()))
  WITH CHECK (EXISTS (SELECT 1 FROM purges p WHERE p.id = purge_id AND p.org_id = engram_current_org()));
GRANT SELECT, INSERT, DELETE ON purge_objects TO engram_app;
