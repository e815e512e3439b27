import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService, SessionStatus } from "../../src/gen/engram/session/v1/session_pb.js";
import { startGrpcServer } from "../../src/rpc/grpc-server.js";
import { rpcFirst } from "../../src/rpc/node-listener.js";
import { createTestApp, newAgent, newOrg, newToken, type TestApp } from "../support/app.js";
import { serveOnLoopback } from "../support/serve.js";

let t: TestApp;
let http: Awaited<ReturnType<typeof serveOnLoopback>>;
let grpc: Awaited<ReturnType<typeof startGrpcServer>>;
let org: { orgId: string; token: string };
let agent: string;
let gateway: string;

const bearer =
  (token: string): Interceptor =>
  (next) =>
  (req) => {
    if (token) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };

type Protocol = "connect" | "connect-json" | "grpc-web" | "grpc";
function client(protocol: Protocol, token = gateway) {
  const interceptors = [bearer(token)];
  const transport: Transport =
    protocol === "grpc"
      ? createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpc.port}`, interceptors })
      : protocol === "grpc-web"
        ? createGrpcWebTransport({ baseUrl: http.url, httpVersion: "1.1", interceptors })
        : createConnectTransport({
            baseUrl: http.url,
            httpVersion: "1.1",
            useBinaryFormat: protocol === "connect",
            interceptors,
          });
  return createClient(SessionService, transport);
}

async function codeOf(p: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

beforeAll(async () => {
  t = await createTestApp();
  org = await newOrg(t, "session-rpc");
  agent = (await newAgent(t, org.token, "rpc-agent")).id;
  gateway = (await newToken(t, org.token, { preset: "gateway" })).token;
  http = await serveOnLoopback(t.app.fetch, rpcFirst(t.services));
  grpc = await startGrpcServer(t.services, 0, "127.0.0.1");
});
afterAll(async () => {
  await http.stop();
  await grpc.close();
  await t.close();
});

/** Two turns, the first with its time and metadata. */
const turns = () => [
  {
    role: "user",
    content: "I live in Lisbon and I'm allergic to cats.",
    createdAt: timestampFromDate(new Date("2026-12-01T08:00:00Z")),
    metadata: { client: "gw", turn: 1 },
  },
  { role: "assistant", content: "Thanks, noted." },
];

describe.each(["connect", "connect-json", "grpc-web", "grpc"] as const)(
  "SessionService over %s",
  (protocol) => {
    it("appends turns with their time and metadata, replays a key, and completes", async () => {
      const c = client(protocol);
      const sessionId = `rpc-${protocol}`;
      const first = await c.appendTurns({
        agentId: agent,
        sessionId,
        idempotencyKey: "k1",
        messages: turns(),
      });
      expect(first).toMatchObject({ appended: 2, firstSeq: 0, replayed: false });
      expect(first.session?.status).toBe(SessionStatus.ACTIVE);
      expect(first.session?.messageCount).toBe(2);
      const replay = await c.appendTurns({
        agentId: agent,
        sessionId,
        idempotencyKey: "k1",
        messages: turns(),
      });
      expect(replay.replayed).toBe(true);
      expect(replay.session?.messageCount).toBe(2);
      expect(
        await codeOf(
          c.appendTurns({
            agentId: agent,
            sessionId,
            idempotencyKey: "k1",
            messages: [{ role: "user", content: "x" }],
          }),
        ),
      ).toBe(Code.AlreadyExists);

      const stored = await (
        await t.call("GET", `/v1/agents/${agent}/sessions/${sessionId}`, { token: org.token })
      ).json();
      expect(stored.messages[0]).toMatchObject({
        created_at: "2026-12-01T08:00:00.000Z",
        metadata: { client: "gw", turn: 1 },
      });

      const done = await c.completeSession({ agentId: agent, sessionId });
      expect(done.session?.status).toBe(SessionStatus.COMPLETED);
      expect(done.jobIds).toHaveLength(2);
      await t.jobWorker.drain();
      const jobs = await Promise.all(
        done.jobIds.map(async (id) => (await t.call("GET", `/v1/jobs/${id}`, { token: org.token })).json()),
      );
      expect(jobs.map((j) => [j.type, j.status])).toEqual([
        ["memory.extract", "succeeded"],
        ["session.archive", "succeeded"],
      ]);
    });

    it("refuses bad input with invalid_argument", async () => {
      const c = client(protocol);
      const ok = [{ role: "user", content: "hi" }];
      expect(await codeOf(c.appendTurns({ agentId: "nope", sessionId: "s", messages: ok }))).toBe(
        Code.InvalidArgument,
      );
      expect(await codeOf(c.appendTurns({ agentId: agent, sessionId: "bad id", messages: ok }))).toBe(
        Code.InvalidArgument,
      );
      expect(await codeOf(c.appendTurns({ agentId: agent, sessionId: "s".repeat(129), messages: ok }))).toBe(
        Code.InvalidArgument,
      );
      expect(await codeOf(c.appendTurns({ agentId: agent, sessionId: "s", messages: [] }))).toBe(
        Code.InvalidArgument,
      );
      expect(
        await codeOf(
          c.appendTurns({ agentId: agent, sessionId: "s", messages: [{ role: "wizard", content: "x" }] }),
        ),
      ).toBe(Code.InvalidArgument);
      expect(
        await codeOf(
          c.appendTurns({
            agentId: agent,
            sessionId: "s",
            messages: [{ role: "user", content: "x".repeat(32_001) }],
          }),
        ),
      ).toBe(Code.InvalidArgument);
      const many = Array.from({ length: 101 }, () => ({ role: "user", content: "x" }));
      expect(await codeOf(c.appendTurns({ agentId: agent, sessionId: "s", messages: many }))).toBe(
        Code.InvalidArgument,
      );
      expect(await codeOf(c.completeSession({ agentId: agent, sessionId: "never-seen" }))).toBe(
        Code.NotFound,
      );
    });

    it("authenticates and keeps to the token's org and scopes", async () => {
      const ok = [{ role: "user", content: "hi" }];
      expect(
        await codeOf(client(protocol, "").appendTurns({ agentId: agent, sessionId: "a", messages: ok })),
      ).toBe(Code.Unauthenticated);
      const reader = (await newToken(t, org.token, { preset: "read-only" })).token;
      expect(
        await codeOf(client(protocol, reader).appendTurns({ agentId: agent, sessionId: "a", messages: ok })),
      ).toBe(Code.PermissionDenied);
      const other = await newOrg(t, `session-rpc-other-${protocol}`);
      expect(
        await codeOf(
          client(protocol, other.token).appendTurns({ agentId: agent, sessionId: "a", messages: ok }),
        ),
      ).toBe(Code.NotFound);
      expect(
        await codeOf(
          client(protocol, other.token).completeSession({ agentId: agent, sessionId: `rpc-${protocol}` }),
        ),
      ).toBe(Code.NotFound);
    });
  },
);
