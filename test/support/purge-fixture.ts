import { expect } from "vitest";
import type { SqlClient } from "../../src/db/ports.js";
import { withOrg } from "../../src/db/tenant.js";
import { uuidv7 } from "../../src/lib/ids.js";
import type { TestApp } from "./app.js";
import { newAgent, newToken } from "./app.js";

/** What one org's seeded data is made of. */
export interface SeededOrg {
  orgId: string;
  token: string;
  agents: [string, string];
}

/**
 * Fills an org with data of every kind through the API (memories with tags, directive
 * versions, sessions with turns and idempotency keys, completed and run through
 * extraction and archiving, an export, a user, tokens), plus what the API has no
 * route for (a relationship, a dead letter, assembly events, stray objects under
 * each agent's prefix).
 */
export async function seedOrg(
  t: TestApp,
  org: { orgId: string; token: string },
  slug: string,
): Promise<SeededOrg> {
  const token = org.token;
  const agents: [string, string] = [
    (await newAgent(t, token, `${slug}-a`)).id,
    (await newAgent(t, token, `${slug}-b`)).id,
  ];
  for (const [i, agent] of agents.entries()) {
    const facts = [
      "The user prefers aisle seats",
      "The user lives in Lisbon",
      "The user is allergic to peanuts",
    ];
    for (const content of facts) {
      const res = await t.call("POST", `/v1/agents/${agent}/memories`, {
        token,
        body: { content: `${content} (${slug} ${i})`, category: "preference", tags: ["travel"] },
      });
      expect(res.status).toBe(201);
    }
    for (const content of ["You are a travel assistant.", "You are a careful travel assistant."]) {
      const res = await t.call("PUT", `/v1/agents/${agent}/directive`, { token, body: { content } });
      expect(res.status).toBeLessThan(300);
    }
    for (const sid of ["conv-1", "conv-2"]) {
      const path = `/v1/agents/${agent}/sessions/${sid}`;
      const res = await t.call("POST", `${path}/messages`, {
        token,
        body: {
          idempotency_key: `turn-${sid}`,
          messages: [
            { role: "user", content: "I work at Globex and I live in Porto." },
            { role: "assistant", content: "Noted." },
          ],
        },
      });
      expect(res.status).toBeLessThan(300);
      expect((await t.call("POST", `${path}/complete`, { token })).status).toBe(202);
    }
    await t.call("POST", `/v1/agents/${agent}/sessions/conv-open/messages`, {
      token,
      body: { messages: [{ role: "user", content: "Still talking." }] },
    });
    expect((await t.call("POST", `/v1/agents/${agent}/memories/export`, { token, body: {} })).status).toBe(
      201,
    );
    await newToken(t, token, { preset: "read-only", agent_id: agent });
    await t.services.blobs.put(`${org.orgId}/${agent}/2026/01/stray.ndjson`, new TextEncoder().encode("{}"), {
      contentType: "application/x-ndjson",
    });
  }
  await newToken(t, token, { preset: "operator" });
  expect((await t.call("POST", "/v1/users", { token, body: { email: `${slug}@example.test` } })).status).toBe(
    201,
  );
  await t.jobWorker.drain();
  await withOrg(t.sql, org.orgId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      "SELECT id FROM memories WHERE org_id = $1 AND agent_id = $2 ORDER BY id LIMIT 2",
      [org.orgId, agents[0]],
    );
    await tx.query(
      `INSERT INTO memory_relationships (id, org_id, source_id, target_id, relation) VALUES ($1, $2, $3, $4, 'supports')`,
      [uuidv7(), org.orgId, rows[0]?.id, rows[1]?.id],
    );
    for (const agent of agents) {
      await tx.query(
        `INSERT INTO job_failures (id, org_id, job_type, payload, error, attempts)
         VALUES ($1, $2, 'memory.extract', $3, 'UNAVAILABLE', 4)`,
        [uuidv7(), org.orgId, JSON.stringify({ agent_id: agent, session_id: uuidv7() })],
      );
      await tx.query(
        `INSERT INTO assembly_events (id, org_id, agent_id, model, total_ms) VALUES ($1, $2, $3, 'gpt-4o', 12)`,
        [uuidv7(), org.orgId, agent],
      );
    }
  });
  return { ...org, agents };
}

/** Every base table with an `org_id` column, from information_schema (so a new table cannot escape). */
export async function orgTableNames(sql: SqlClient): Promise<string[]> {
  const { rows } = await sql.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND c.column_name = 'org_id' AND t.table_type = 'BASE TABLE'
        AND c.table_name <> 'purges'
      ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
}

/** Row counts of an org in every org table (read as the owner, past row-level security), and its org row. */
export async function orgRows(sql: SqlClient, orgId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await orgTableNames(sql)) {
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1`,
      [orgId],
    );
    counts[table] = Number(rows[0]?.n ?? 0);
  }
  const org = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM orgs WHERE id = $1", [orgId]);
  counts.orgs = Number(org.rows[0]?.n ?? 0);
  return counts;
}

/** Rows of one agent in every table that names an agent, plus its own row. */
export async function agentRows(
  sql: SqlClient,
  orgId: string,
  agentId: string,
): Promise<Record<string, number>> {
  const { rows: tables } = await sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name = 'agent_id' AND table_name <> 'purges' ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table_name} WHERE org_id = $1 AND agent_id = $2`,
      [orgId, agentId],
    );
    counts[table_name] = Number(rows[0]?.n ?? 0);
  }
  const own = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM agents WHERE id = $1", [
    agentId,
  ]);
  counts.agents = Number(own.rows[0]?.n ?? 0);
  const children = await sql.query<{ m: number; v: number; s: number }>(
    `SELECT (SELECT count(*)::int FROM memory_versions v WHERE v.memory_id IN
               (SELECT id FROM memories WHERE agent_id = $1)) AS v,
            (SELECT count(*)::int FROM session_messages m WHERE m.session_id IN
               (SELECT id FROM sessions WHERE agent_id = $1)) AS m,
            (SELECT count(*)::int FROM jobs WHERE payload->>'agent_id' = $1::text) AS s`,
    [agentId],
  );
  counts.memory_versions_of_agent = Number(children.rows[0]?.v ?? 0);
  counts.session_messages_of_agent = Number(children.rows[0]?.m ?? 0);
  counts.jobs_of_agent = Number(children.rows[0]?.s ?? 0);
  return counts;
}

/** Sum of a count record. */
export const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
