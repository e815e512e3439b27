import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newAgent, newOrg, newToken, type TestApp } from "../support/app.js";

// A whole scenario at LOG_LEVEL=debug — onboarding, tokens, memories with PII,
// directives, sessions and their extraction, search, context assembly, exports,
// deletions, bad requests and purges — with every log line captured, then scanned:
// no token secret, no pepper, no memory, directive or message content, no PII.
const PEPPER = "log-hygiene-pepper-0123456789-abcdefghij";
const PII = {
  email: "maria.kowalska@example.org",
  phone: "+48 601 234 567",
  card: "4111 1111 1111 1111",
  address: "ul. Marszałkowska 140, Warszawa",
  name: "Maria Kowalska",
};
const CONTENTS = {
  memory: `The user ${PII.name} lives at ${PII.address}.`,
  memory2: `The user's email is ${PII.email} and phone ${PII.phone}.`,
  directive: "You are Zephyrine, the secret concierge of the Kowalska family.",
  turn: `Hi, I'm ${PII.name}, I'm allergic to peanuts and my card is ${PII.card}.`,
  reply: "Noted, Zephyrine will remember the peanut allergy.",
  query: "what is Maria allergic to",
};

let t: TestApp;
const secrets: string[] = [PEPPER];

beforeAll(async () => {
  t = await createTestApp({ TOKEN_PEPPER: PEPPER, LOG_LEVEL: "debug" });
  secrets.push(t.rootToken);
});
afterAll(() => t?.close());

async function ok(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

describe("log hygiene", () => {
  it("writes no secret, content or PII in any log line of a full scenario", async () => {
    const org = await newOrg(t, "hygiene");
    secrets.push(org.token);
    const call = (method: string, path: string, body?: unknown, token = org.token) =>
      t.call(method, path, { token, body });
    const agent = (await newAgent(t, org.token, "concierge")).id;
    const gateway = await newToken(t, org.token, { preset: "gateway" });
    const reader = await newToken(t, org.token, { preset: "read-only", agent_id: agent });
    secrets.push(gateway.token, reader.token);

    await ok(await call("POST", "/v1/users", { email: PII.email, name: PII.name }));
    await ok(await call("PUT", `/v1/agents/${agent}/directive`, { content: CONTENTS.directive }));
    const m1 = await ok(
      await call("POST", `/v1/agents/${agent}/memories`, { content: CONTENTS.memory, category: "factual" }),
    );
    await ok(
      await call("POST", `/v1/agents/${agent}/memories`, { content: CONTENTS.memory2, category: "factual" }),
    );
    await ok(await call("POST", `/v1/agents/${agent}/memories/search`, { query: CONTENTS.query }));
    await ok(
      await call(
        "POST",
        `/v1/agents/${agent}/sessions/s-1/messages`,
        {
          messages: [
            { role: "user", content: CONTENTS.turn, metadata: { email: PII.email } },
            { role: "assistant", content: CONTENTS.reply },
          ],
          idempotency_key: "hygiene-1",
        },
        gateway.token,
      ),
    );
    await ok(await call("POST", `/v1/agents/${agent}/sessions/s-1/complete`, undefined, gateway.token));
    await t.jobWorker.drain(20);
    await ok(await call("GET", `/v1/agents/${agent}/sessions/s-1`));
    // Context assembly over Connect JSON, as a gateway calls it.
    const assembled = await t.app.request("/ibex.context.v1.ContextAssemblyService/AssembleContext", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${gateway.token}` },
      body: JSON.stringify({
        agentId: agent,
        query: CONTENTS.query,
        model: "gpt-4o",
        recentMessages: [{ role: "user", content: CONTENTS.turn }],
      }),
    });
    expect(assembled.status).toBe(200);
    expect(await assembled.text()).toContain("peanut");
    await ok(await call("POST", `/v1/agents/${agent}/memories/export`, { format: "jsonl" }));
    // Mistakes a client makes: bad bodies carrying content, a bad token carrying a secret-like string.
    await call("POST", `/v1/agents/${agent}/memories`, { content: CONTENTS.memory, category: "nope" });
    await call("POST", `/v1/agents/${agent}/memories`, `{"content": "${PII.email}"`);
    await t.call("GET", "/v1/agents", { token: `${org.token.slice(0, -4)}abcd` });
    await call("PATCH", `/v1/agents/${agent}/memories/${(m1.memory as { id: string }).id}`, {
      content: CONTENTS.memory2,
    });
    await call("DELETE", `/v1/agents/${agent}/sessions/s-1?with_memories=true`);
    await call("DELETE", `/v1/tokens/${reader.id}`);
    // Erasure: one agent, then the whole org (its tokens die with it; the platform admin reads the certificate).
    const second = (await newAgent(t, org.token, "second")).id;
    await ok(
      await call("POST", `/v1/agents/${second}/memories`, { content: CONTENTS.memory2, category: "factual" }),
    );
    await ok(await call("DELETE", `/v1/agents/${second}?purge=true`));
    await t.jobWorker.drain(20);
    const purge = await ok(await call("DELETE", `/v1/orgs/${org.orgId}?confirm=${org.orgId}`));
    await t.jobWorker.drain(20);
    const certified = await ok(await t.call("GET", `/v1/purges/${purge.id}`, { token: t.rootToken }));
    expect(certified.status).toBe("succeeded");

    const logs = t.logs.join("\n");
    expect(t.logs.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const s of secrets) {
      if (logs.includes(s)) found.push("a token secret or the pepper");
      // The secret part alone (after the public prefix) must not appear either.
      const secretPart = s.split("_").slice(3).join("_");
      if (secretPart.length > 16 && logs.includes(secretPart)) found.push("the secret part of a token");
    }
    for (const [what, text] of Object.entries(CONTENTS)) {
      if (logs.includes(text)) found.push(`content: ${what}`);
      // Any distinctive fragment of it, too (a truncated echo is still a leak).
      for (const word of text.split(/\s+/).filter((w) => w.length >= 9)) {
        if (logs.includes(word)) found.push(`content fragment of ${what}: ${word.length} chars`);
      }
    }
    for (const [what, value] of Object.entries(PII)) if (logs.includes(value)) found.push(`PII: ${what}`);
    // PII by shape, whatever it came from: e-mail addresses and card-like digit runs.
    if (/[\w.+-]+@[\w-]+\.[\w.]+/.test(logs)) found.push("an e-mail address");
    if (/\b(?:\d[ -]?){13,19}\b/.test(logs)) found.push("a card-like number");
    console.info(`log hygiene: ${t.logs.length} lines scanned, ${found.length} findings`);
    expect(found).toEqual([]);
  });
});
