import { AppError } from "../../lib/errors.js";
import { MEMORY_CATEGORIES, MEMORY_SOURCES, type MemoryCategory, type MemorySource } from "../categories.js";

export const MAX_CONTENT_CHARS = 8192;
const MAX_TAGS = 20;
const MAX_METADATA_BYTES = 16 * 1024;

export interface MemoryInput {
  content: string;
  category: MemoryCategory;
  confidence?: number;
  source?: MemorySource;
  sessionId?: string | null;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

export interface CheckedMemoryInput {
  content: string;
  category: MemoryCategory;
  confidence: number;
  source: MemorySource;
  sessionId: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
}

const bad = (path: string, message: string) =>
  new AppError("INVALID_ARGUMENT", `invalid ${path}: ${message}`, { fields: [{ path, message }] });

/**
 * Step 1 of the write pipeline: trims and checks every field, applying defaults.
 * @throws INVALID_ARGUMENT naming the field.
 */
export function validateMemoryInput(input: MemoryInput): CheckedMemoryInput {
  const content = typeof input.content === "string" ? input.content.trim() : "";
  if (!content) throw bad("content", "required, non-blank");
  if (content.length > MAX_CONTENT_CHARS) throw bad("content", `at most ${MAX_CONTENT_CHARS} characters`);
  if (content.includes("\u0000")) throw bad("content", "NUL characters are not allowed");
  if (!MEMORY_CATEGORIES.includes(input.category))
    throw bad("category", `one of ${MEMORY_CATEGORIES.join(", ")}`);
  const confidence = input.confidence ?? 0.8;
  if (typeof confidence !== "number" || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
    throw bad("confidence", "a number in [0, 1]");
  }
  const source = input.source ?? "user_provided";
  if (!MEMORY_SOURCES.includes(source)) throw bad("source", `one of ${MEMORY_SOURCES.join(", ")}`);
  const tags = [...new Set((input.tags ?? []).map((t) => (typeof t === "string" ? t.trim() : "")))];
  if (tags.length > MAX_TAGS) throw bad("tags", `at most ${MAX_TAGS}`);
  if (tags.some((t) => t.length < 1 || t.length > 64)) throw bad("tags", "each 1–64 characters");
  const metadata = input.metadata ?? {};
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
    throw bad("metadata", "an object");
  if (new TextEncoder().encode(JSON.stringify(metadata)).length > MAX_METADATA_BYTES) {
    throw bad("metadata", `at most ${MAX_METADATA_BYTES} bytes as JSON`);
  }
  return {
    content,
    category: input.category,
    confidence,
    source,
    sessionId: input.sessionId ?? null,
    tags,
    metadata,
  };
}
