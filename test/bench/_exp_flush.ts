import { readFileSync } from "node:fs";
import { cp, rm } from "node:fs/promises";
import { openPglite } from "../../src/adapters/pglite/open.js";

const seed = JSON.parse(readFileSync("/tmp/engram-seed/seed.json", "utf8"));
await rm("/tmp/exp/db2", { recursive: true, force: true });
await cp("/tmp/engram-seed/pgdata", "/tmp/exp/db2", { recursive: true });
const db = await openPglite({ dataDir: "/tmp/exp/db2", sharedBuffersMb: 256 });
await db.query("SELECT count(*) FROM memories"); // warm heap a bit
const ids = (
  await db.query<{ id: string }>("SELECT id FROM memories ORDER BY random() LIMIT 20000")
).rows.map((r) => r.id);
const cols =
  process.argv[2] ??
  "retrieval_count = m.retrieval_count + u.n, last_retrieved_at = now(), last_injected_at = now()";
for (let rep = 0; rep < 10; rep++) {
  const batch = ids.slice(rep * 100, rep * 100 + 100);
  const a = performance.now();
  await db.transaction(async (tx) => {
    await tx.query(
      `UPDATE memories m SET ${cols} FROM unnest($2::uuid[], $3::int[]) AS u(id, n) WHERE m.org_id = $1 AND m.id = u.id`,
      [seed.orgId, batch, batch.map(() => 1)],
    );
  });
  const b = performance.now();
  await db.query("SELECT id, retrieval_count FROM memories WHERE id = ANY($1::uuid[])", [
    ids.slice(5000 + rep * 100, 5100 + rep * 100),
  ]);
  console.log("update100", (b - a).toFixed(1), "select100", (performance.now() - b).toFixed(1));
}
console.log(
  (await db.query("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname='memories'")).rows,
);
console.log(
  (
    await db.query(
      "SELECT attname, attgenerated FROM pg_attribute WHERE attrelid='memories'::regclass AND attgenerated <> ''",
    )
  ).rows,
);
await db.close();
