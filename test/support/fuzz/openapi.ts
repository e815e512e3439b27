/** The parts of an OpenAPI 3.1 document the fuzzer reads. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  nullable?: boolean;
  default?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
}

interface OperationObject {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** One REST operation, as the fuzzer calls it. */
export interface Operation {
  method: string;
  /** The templated path, e.g. `/v1/agents/{agent_id}/memories`. */
  path: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  /** The JSON body's schema, refs resolved lazily through `resolve`. */
  body?: JsonSchema;
  authenticated: boolean;
}

const METHODS = new Set(["get", "post", "put", "patch", "delete"]);

/** Every operation of the document. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const params = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === "path"),
        queryParams: params.filter((p) => p.in === "query"),
        body: op.requestBody?.content?.["application/json"]?.schema,
        authenticated: (op.security?.length ?? 0) > 0,
      });
    }
  }
  return ops;
}

/** Follows `#/components/schemas/…` references (and single-member allOf). */
export function resolver(doc: OpenApiDocument): (s: JsonSchema | undefined) => JsonSchema {
  const resolve = (s: JsonSchema | undefined): JsonSchema => {
    if (!s) return {};
    if (s.$ref) {
      const name = s.$ref.replace("#/components/schemas/", "");
      return resolve(doc.components?.schemas?.[name]);
    }
    if (s.allOf?.length === 1) return resolve(s.allOf[0]);
    return s;
  };
  return resolve;
}

const typeOf = (s: JsonSchema): string | undefined => {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== "null");
  if (s.type) return s.type;
  if (s.properties) return "object";
  return undefined;
};

/**
 * A value the schema accepts, as plain as possible: the fuzzer's starting point, so
 * that mutations reach past the first validation error into the handlers.
 */
export function exampleOf(
  schema: JsonSchema | undefined,
  resolve: (s?: JsonSchema) => JsonSchema,
  depth = 0,
): unknown {
  const s = resolve(schema);
  if (depth > 6) return null;
  if (s.default !== undefined) return s.default;
  if (s.enum?.length) return s.enum[0];
  const variant = s.oneOf?.[0] ?? s.anyOf?.find((v) => resolve(v).type !== "null");
  if (variant) return exampleOf(variant, resolve, depth + 1);
  switch (typeOf(s)) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = exampleOf(s.properties?.[key], resolve, depth + 1);
      return out;
    }
    case "array":
      return Array.from({ length: Math.max(1, s.minItems ?? 0) }, () =>
        exampleOf(s.items, resolve, depth + 1),
      );
    case "integer":
    case "number":
      return s.minimum ?? 1;
    case "boolean":
      return true;
    case "string":
      if (s.format === "uuid") return "0190a000-0000-7000-8000-000000000001";
      if (s.format === "date-time") return "2026-12-01T00:00:00Z";
      if (s.format === "uri" || s.format === "url") return "https://example.com/";
      if (s.pattern) return "a1";
      return "x".repeat(Math.max(1, s.minLength ?? 1));
    default:
      return "x";
  }
}
