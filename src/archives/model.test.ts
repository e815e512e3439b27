import { describe, expect, it } from "vitest";
import { assertBlobKey } from "../blobs/ports.js";
import { archiveKey, decodeKeySegment, encodeKeySegment, parseArchive, toArchivedMessage } from "./model.js";

describe("archive keys", () => {
  const ids = {
    orgId: "0190a0a0-0000-7000-8000-000000000001",
    agentId: "0190a0a0-0000-7000-8000-000000000002",
  };

  it("are {org}/{agent}/{YYYY}/{MM}/{session}.ndjson.gz by the UTC month of the start", () => {
    expect(archiveKey({ ...ids, startedAt: "2026-01-31T23:30:00-01:00", sessionId: "conv-1" })).toBe(
      `${ids.orgId}/${ids.agentId}/2026/02/conv-1.ndjson.gz`,
    );
  });

  it.each(["a:b", "::", "x.y_z-1:2", ".", "..", "a".repeat(128), ":".repeat(128)])(
    "encode %s to a valid segment, reversibly",
    (id) => {
      const key = archiveKey({ ...ids, startedAt: "2026-12-01T00:00:00Z", sessionId: id });
      expect(() => assertBlobKey(key)).not.toThrow();
      expect(encodeKeySegment(id)).not.toContain(":");
      expect(decodeKeySegment(encodeKeySegment(id))).toBe(id);
    },
  );
});

describe("archive lines", () => {
  it("keep sent_at and metadata only when present", () => {
    const at = new Date("2026-12-01T10:00:00Z");
    expect(toArchivedMessage({ seq: 0, role: "user", content: "hi", created_at: at, sent_at: null })).toEqual(
      {
        seq: 0,
        role: "user",
        content: "hi",
        created_at: "2026-12-01T10:00:00.000Z",
      },
    );
    expect(
      JSON.stringify(
        toArchivedMessage({
          seq: 1,
          role: "tool",
          content: "{}",
          created_at: at,
          sent_at: at,
          metadata: '{"a":1}',
        }),
      ),
    ).toBe(
      '{"seq":1,"role":"tool","content":"{}","created_at":"2026-12-01T10:00:00.000Z","sent_at":"2026-12-01T10:00:00.000Z","metadata":{"a":1}}',
    );
  });

  it("parse back; anything without the format header is refused", () => {
    const text = `${JSON.stringify({ format: "engram.session.v1", message_count: 1 })}\n{"seq":0,"role":"user","content":"x","created_at":"t"}\n`;
    expect(parseArchive(text).messages).toEqual([{ seq: 0, role: "user", content: "x", created_at: "t" }]);
    expect(() => parseArchive('{"format":"other"}\n')).toThrow();
    expect(() => parseArchive("")).toThrow();
  });
});
