import { decodeText, encodeText } from "./encoding.js";
import { AppError } from "./errors.js";
import { isUuid } from "./ids.js";

/** A page of a list endpoint: `next_cursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Opaque cursor for keyset pagination over UUIDv7 ids (newest first). */
export function encodeCursor(lastId: string): string {
  return encodeText(`v1:${lastId}`);
}

/**
 * Decodes a cursor made by encodeCursor.
 * @throws INVALID_ARGUMENT when the cursor is not one of ours.
 */
export function decodeCursor(cursor: string): string {
  let text: string;
  try {
    text = decodeText(cursor);
  } catch {
    throw invalidCursor();
  }
  const id = text.startsWith("v1:") ? text.slice(3) : "";
  if (!isUuid(id)) throw invalidCursor();
  return id;
}

function invalidCursor(): AppError {
  return new AppError("INVALID_ARGUMENT", "cursor is malformed", {
    fields: [{ path: "cursor", message: "not a cursor returned by this API" }],
  });
}

/** Builds a page from `limit + 1` fetched rows (the extra row only proves there is more). */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
