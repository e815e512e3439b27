-- Where the retention sweep resumes (ADR-0045): the last org it finished. A Worker
-- gives the sweep a short budget an hour, too little to visit thousands of orgs, so
-- each run goes on after the previous one's last org, in id order, and wraps around
-- at the end. One row; the org id carries no foreign key (an org purged since is only
-- a place in the order). Cross-org maintenance state: no tenant sees or changes it,
-- and only the `retention` purpose reads and moves it.
CREATE TABLE retention_cursor (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  last_org_id uuid,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO retention_cursor (id) VALUES (true);

ALTER TABLE retention_cursor ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_cursor FORCE ROW LEVEL SECURITY;
CREATE POLICY maintenance ON retention_cursor
  USING (engram_maintenance() = 'retention') WITH CHECK (engram_maintenance() = 'retention');
-- The row exists from here on: the sweep reads and updates it, never adds or removes one.
GRANT SELECT, UPDATE ON retention_cursor TO engram_app;
