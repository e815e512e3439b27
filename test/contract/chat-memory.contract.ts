import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../src/lib/errors.js";
import type { AppendableChatMemory, ChatMemory, Message } from "../../src/memory/ports.js";

export interface ChatMemoryFixture {
  /** A history that was never saved. */
  open(): Promise<ChatMemory>;
  /**
   * A history reached through a transport that can be cut in the middle of the next
   * save (`arm`), plus a healthy reader of the same history.
   */
  faulty?(): Promise<{ writer: ChatMemory; reader: ChatMemory; arm(): void }>;
  close(): Promise<void>;
}

const sample = (n: number, tag = "m"): Message[] =>
  Array.from({ length: n }, (_, i) => ({
    role: (["user", "assistant", "system", "tool"] as const)[i % 4] ?? "user",
    content: `${tag}-${i}`,
  }));

const isAppendable = (m: ChatMemory): m is AppendableChatMemory =>
  typeof (m as AppendableChatMemory).append === "function";

/** The ChatMemory contract (ADR-0003, CM1–CM6) plus the append extension (A1, A2). */
export function runChatMemoryContract(name: string, setup: () => Promise<ChatMemoryFixture>): void {
  describe(`ChatMemory contract: ${name}`, () => {
    let fx: ChatMemoryFixture;
    beforeAll(async () => {
      fx = await setup();
    });
    afterAll(() => fx?.close());

    it("CM5: a history never saved loads as []", async () => {
      expect(await (await fx.open()).load()).toEqual([]);
    });

    it("CM1, CM3: load returns the whole history exactly as saved, in order, duplicates kept", async () => {
      const m = await fx.open();
      const messages: Message[] = [
        { role: "system", content: "You are helpful." },
        { role: "user", content: 'héllo 👋 \u0001 \n\t "quoted" ["json"] \ud83d\ude00' },
        { role: "assistant", content: "" },
        { role: "user", content: "same" },
        { role: "user", content: "same" },
        { role: "tool", content: "x".repeat(20_000) },
        ...sample(300),
      ];
      await m.save(messages);
      expect(await m.load()).toEqual(messages);
    });

    it("CM3: a message's time (normalised to UTC) and metadata round-trip; absent ones stay absent", async () => {
      const m = await fx.open();
      const messages: Message[] = [
        {
          role: "user",
          content: "timed",
          createdAt: "2026-12-01T10:00:00+02:00",
          metadata: { a: [1, "x"], b: null },
        },
        { role: "assistant", content: "plain" },
        { role: "tool", content: "meta only", metadata: { call: "c-1", nested: { deep: true } } },
      ];
      await m.save(messages);
      expect(await m.load()).toEqual([
        {
          role: "user",
          content: "timed",
          createdAt: "2026-12-01T08:00:00.000Z",
          metadata: { a: [1, "x"], b: null },
        },
        { role: "assistant", content: "plain" },
        { role: "tool", content: "meta only", metadata: { call: "c-1", nested: { deep: true } } },
      ]);
      if (isAppendable(m)) {
        await m.append([{ role: "user", content: "later", createdAt: "2026-12-02T00:00:00Z" }]);
        expect((await m.load()).at(-1)).toEqual({
          role: "user",
          content: "later",
          createdAt: "2026-12-02T00:00:00.000Z",
        });
      }
    });

    it("CM4: a bad time or metadata fails the whole save with INVALID_ARGUMENT", async () => {
      const m = await fx.open();
      await m.save(sample(2, "keep"));
      for (const bad of [
        { role: "user", content: "x", createdAt: "not a date" },
        { role: "user", content: "x", metadata: [1, 2] },
      ] as Message[]) {
        const err = await m.save([...sample(1, "new"), bad]).catch((e: unknown) => e);
        expect(isAppError(err) && err.code).toBe("INVALID_ARGUMENT");
      }
      expect(await m.load()).toEqual(sample(2, "keep"));
    });

    it("CM2: save replaces the history, it does not append", async () => {
      const m = await fx.open();
      await m.save(sample(5, "old"));
      await m.save(sample(2, "new"));
      expect(await m.load()).toEqual(sample(2, "new"));
    });

    it("CM3: mutating the saved array or its objects afterwards changes nothing stored", async () => {
      const m = await fx.open();
      const messages = sample(3);
      await m.save(messages);
      (messages[0] as Message).content = "mutated";
      messages.push({ role: "user", content: "late" });
      expect(await m.load()).toEqual(sample(3));
    });

    it("CM4: a save that fails on bad input leaves the previous history intact", async () => {
      const m = await fx.open();
      await m.save(sample(4, "keep"));
      const poisoned = [...sample(3, "new"), { role: "wizard", content: "x" }] as Message[];
      const err = await m.save(poisoned).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe("INVALID_ARGUMENT");
      expect(await m.load()).toEqual(sample(4, "keep"));
    });

    it("rejects NUL characters on every backend, storing nothing", async () => {
      const m = await fx.open();
      await m.save(sample(1, "keep"));
      const err = await m.save([{ role: "user", content: "a\u0000b" }]).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe("INVALID_ARGUMENT");
      expect(await m.load()).toEqual(sample(1, "keep"));
    });

    it("CM4: a save cut off mid-transport leaves the whole old or the whole new history", async (ctx) => {
      if (!fx.faulty) return ctx.skip();
      const { writer, reader, arm } = await fx.faulty();
      const before = sample(6, "before");
      const after = sample(9, "after");
      await writer.save(before);
      arm();
      const failed = await writer.save(after).then(
        () => false,
        () => true,
      );
      expect(failed, "the injected fault must interrupt the save").toBe(true);
      const seen = await reader.load();
      expect([before, after]).toContainEqual(seen);
    });

    it("CM6: clear (when offered) and save([]) both empty the history", async () => {
      const m = await fx.open();
      await m.save(sample(2));
      if (m.clear) {
        await m.clear();
        expect(await m.load()).toEqual([]);
        await m.save(sample(2));
      }
      await m.save([]);
      expect(await m.load()).toEqual([]);
    });

    it("A1: concurrent appends never lose a message and each lands whole and in order", async (ctx) => {
      const m = await fx.open();
      if (!isAppendable(m)) return ctx.skip();
      const batches = Array.from({ length: 20 }, (_, b) => sample(1 + (b % 3), `b${b}`));
      const lengths = await Promise.all(batches.map((batch) => m.append(batch)));
      const total = batches.reduce((n, b) => n + b.length, 0);
      expect(Math.max(...lengths)).toBe(total);
      const stored = await m.load();
      expect(stored).toHaveLength(total);
      for (const batch of batches) {
        const start = stored.findIndex((x) => x.content === batch[0]?.content);
        expect(stored.slice(start, start + batch.length)).toEqual(batch);
      }
    });

    it("A2: an append with a stale expectedLength is refused with CONFLICT and adds nothing", async (ctx) => {
      const m = await fx.open();
      if (!isAppendable(m)) return ctx.skip();
      expect(await m.append(sample(2, "a"), { expectedLength: 0 })).toBe(2);
      const err = await m.append(sample(1, "dup"), { expectedLength: 0 }).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe("CONFLICT");
      expect(await m.append(sample(1, "b"), { expectedLength: 2 })).toBe(3);
      expect(await m.load()).toEqual([...sample(2, "a"), ...sample(1, "b")]);
    });
  });
}
