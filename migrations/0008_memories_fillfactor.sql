-- Leave room on each heap page so updates that touch no indexed column (retrieval
-- counts, usefulness, timestamps) stay heap-only (HOT): with full pages every such
-- update wrote a new entry into every index, the HNSW index included, which made
-- the assembler's usage bookkeeping the largest cost under load. Applies to pages
-- written from now on; VACUUM FULL or a rewrite repacks existing ones.
ALTER TABLE memories SET (fillfactor = 80);
