import fc from "fast-check";
import { deepJson, invalidUtf8, nastyString, wrongValue } from "./arbitraries.js";

/** A request body as sent: its bytes or text, and the content type it claims. */
export interface FuzzBody {
  kind: string;
  body: string | Uint8Array;
  contentType: string | undefined;
}

type Json = unknown;

/** Every path to a value inside `value` (object keys and array indices). */
function pathsOf(
  value: Json,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) pathsOf(v, [...prefix, i], out);
  } else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

/** `value` with the node at `path` replaced (or removed when `replacement` is the marker). */
function withAt(value: Json, path: (string | number)[], replace: (old: Json) => Json | typeof REMOVE): Json {
  if (path.length === 0) {
    const r = replace(value);
    return r === REMOVE ? undefined : r;
  }
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    const r = withAt(copy[head as number], rest, replace);
    if (r === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = r;
    return copy;
  }
  const copy = { ...(value as Record<string, Json>) };
  const r = withAt(copy[head as string], rest, replace);
  if (r === undefined && rest.length === 0) delete copy[head as string];
  else copy[head as string] = r;
  return copy;
}
const REMOVE = Symbol("remove");

/** Every string leaf replaced by `s`. */
function everyString(value: Json, s: string): Json {
  if (typeof value === "string") return s;
  if (Array.isArray(value)) return value.map((v) => everyString(v, s));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, everyString(v, s)]));
  return value;
}

const JSON_TYPE = "application/json";

/**
 * Malformed variations of a valid body: wrong types and nulls, missing and unknown
 * fields, nasty strings, truncated and deeply nested text, invalid UTF-8, oversize
 * bodies and wrong content types.
 */
export function malformedBody(example: Json, maxBodyBytes: number): fc.Arbitrary<FuzzBody> {
  const paths = pathsOf(example);
  const json = (kind: string, v: Json): FuzzBody => ({
    kind,
    body: JSON.stringify(v) ?? "null",
    contentType: JSON_TYPE,
  });
  return fc.oneof(
    fc.tuple(fc.constantFrom(...paths), wrongValue).map(([p, w]) =>
      json(
        "wrong type",
        withAt(example, p, () => w),
      ),
    ),
    fc
      .constantFrom(...paths.filter((p) => p.length > 0).concat([[]]))
      .map((p) => json("missing field", p.length ? withAt(example, p, () => REMOVE) : {})),
    fc
      .tuple(fc.constantFrom(...paths), fc.string({ minLength: 1, maxLength: 12 }), wrongValue)
      .map(([p, key, v]) =>
        json(
          "unknown field",
          withAt(example, p, (old) =>
            old && typeof old === "object" && !Array.isArray(old) ? { ...old, [key]: v } : old,
          ),
        ),
      ),
    nastyString.map((s) => json("nasty strings", everyString(example, s))),
    fc
      .constantFrom("null", "[]", "1", '"x"', "true", "{}", "")
      .map((body) => ({ kind: "not an object", body, contentType: JSON_TYPE })),
    fc.integer({ min: 0, max: 1_000 }).map((n) => {
      const text = JSON.stringify(example) ?? "";
      return { kind: "truncated", body: text.slice(0, n % Math.max(1, text.length)), contentType: JSON_TYPE };
    }),
    deepJson.map((body) => ({ kind: "deeply nested", body, contentType: JSON_TYPE })),
    invalidUtf8.map((body) => ({ kind: "invalid UTF-8", body, contentType: JSON_TYPE })),
    fc.constant({
      kind: "oversize",
      body: `{"a":"${"x".repeat(maxBodyBytes + 10)}"}`,
      contentType: JSON_TYPE,
    }),
    fc
      .constantFrom(
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        undefined,
        "application/json; charset=latin1",
      )
      .map((contentType) => ({ kind: "content type", body: JSON.stringify(example) ?? "", contentType })),
  );
}
