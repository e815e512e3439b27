import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newOrg, newToken, problem, type TestApp } from "../support/app.js";

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ token: admin } = await newOrg(t, "users-org"));
});
afterAll(() => t.close());

const create = (body: unknown, token = admin) => t.call("POST", "/v1/users", { token, body });

describe("users", () => {
  it("creates, reads, lists, updates and deletes a user", async () => {
    const res = await create({ email: "ann@example.test", name: "Ann", role: "admin" });
    expect(res.status).toBe(201);
    const user = await res.json();
    expect(user).toMatchObject({ email: "ann@example.test", name: "Ann", role: "admin" });
    expect(await (await t.call("GET", `/v1/users/${user.id}`, { token: admin })).json()).toEqual(user);
    const list = await (await t.call("GET", "/v1/users", { token: admin })).json();
    expect(list.items.map((u: { id: string }) => u.id)).toContain(user.id);
    const patched = await t.call("PATCH", `/v1/users/${user.id}`, { token: admin, body: { role: "viewer" } });
    expect((await patched.json()).role).toBe("viewer");
    expect((await t.call("DELETE", `/v1/users/${user.id}`, { token: admin })).status).toBe(204);
    expect((await t.call("GET", `/v1/users/${user.id}`, { token: admin })).status).toBe(404);
  });

  it("answers 409 for a duplicate email, case-insensitively", async () => {
    await create({ email: "bob@example.test" });
    const res = await create({ email: "BOB@example.test" });
    expect(res.status).toBe(409);
    expect((await problem(res)).errors?.[0]?.path).toBe("email");
  });

  it("validates email and role", async () => {
    expect((await create({ email: "not-an-email" })).status).toBe(400);
    expect((await create({ email: "c@example.test", role: "god" })).status).toBe(400);
  });

  it("keeps the last owner", async () => {
    const owner = await (await create({ email: "owner@example.test", role: "owner" })).json();
    const demote = await t.call("PATCH", `/v1/users/${owner.id}`, { token: admin, body: { role: "member" } });
    expect(demote.status).toBe(409);
    expect((await t.call("DELETE", `/v1/users/${owner.id}`, { token: admin })).status).toBe(409);
    await create({ email: "owner2@example.test", role: "owner" });
    expect((await t.call("DELETE", `/v1/users/${owner.id}`, { token: admin })).status).toBe(204);
  });

  it("revokes a deleted user's tokens at once", async () => {
    const user = await (await create({ email: "dave@example.test" })).json();
    const tok = await newToken(t, admin, { preset: "read-only" });
    await t.sql.query("UPDATE api_tokens SET user_id = $1 WHERE id = $2", [user.id, tok.id]);
    t.services.tokenCache.delete(tok.id);
    expect((await t.call("GET", "/v1/orgs/me", { token: tok.token })).status).toBe(200);
    await t.call("DELETE", `/v1/users/${user.id}`, { token: admin });
    expect((await t.call("GET", "/v1/orgs/me", { token: tok.token })).status).toBe(401);
  });

  it("needs org:admin", async () => {
    const op = await newToken(t, admin, { preset: "operator" });
    expect((await t.call("GET", "/v1/users", { token: op.token })).status).toBe(403);
    expect((await create({ email: "e@example.test" }, op.token)).status).toBe(403);
  });
});
