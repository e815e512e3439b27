/**
 * The memory contracts (ADR-0003). Invariant ids (CM1…, VM1…, E1…) are defined in
 * docs/adr/0003-memory-contracts.md and exercised by test/contract/.
 */

export type MessageRole = "system" | "user" | "assistant" | "tool";

/** One conversation turn. */
export interface Message {
  role: MessageRole;
  content: string;
  /** When the turn happened, as its sender reports it (ISO 8601, normalised to UTC). */
  createdAt?: string;
  /** Free-form JSON the sender attaches (tool call ids, model name, …). */
  metadata?: Record<string, unknown>;
}

/**
 * The history of one conversation.
 * CM1: load() returns the whole history as of the call (no paging).
 * CM2: save() replaces the history; it is not an append.
 * CM3: load() returns messages exactly in save() order, unmodified, never de-duplicated
 *      (`createdAt` and `metadata` included when they were given, absent otherwise).
 * CM4: a save is atomic for readers: after a failure mid-save, load() sees the whole
 *      old or the whole new history.
 * CM5: a history never saved loads as [] (no null, no throw).
 * CM6: clear() is optional; callers fall back to save([]).
 */
export interface ChatMemory {
  load(): Promise<Message[]>;
  save(messages: Message[]): Promise<void>;
  clear?(): Promise<void>;
}

/**
 * Beside the contract, for ingestion: append without read-modify-write.
 * A1: concurrent appends never lose a message; each append lands whole and in order.
 * A2: with `expectedLength`, the append applies only if the history has exactly that
 *     many messages (optimistic check), so a retried call cannot duplicate turns.
 */
export interface AppendableChatMemory extends ChatMemory {
  /**
   * Appends `messages`; returns the new length.
   * @throws CONFLICT when `expectedLength` is given and differs from the current length.
   */
  append(messages: Message[], options?: { expectedLength?: number }): Promise<number>;
}

/** A stored document. VM8: minus its embedding, JSON round-trips equal. */
export interface VectorDocument {
  id: string;
  content: string;
  embedding: number[];
  metadata?: Record<string, unknown>;
}

/** A search hit; `score` is cosine similarity (higher is more similar). */
export interface RetrievedDocument {
  id: string;
  content: string;
  score: number;
  metadata?: Record<string, unknown>;
}

export interface VectorSearchOptions {
  /** VM4: an upper bound on the number of results (default 10). */
  topK?: number;
  /** VM5: exclusive: only scores strictly greater are returned. */
  threshold?: number;
}

/**
 * A similarity index over documents.
 * VM1: store() upserts by id; storing an existing id replaces it.
 * VM2: the dimension is fixed per instance; mismatched vectors are rejected on store and search.
 * VM3: search() results are sorted by score, descending (cosine here); ties by id.
 * VM4: topK is an upper bound: fewer results when fewer pass, never padding.
 * VM5: threshold is exclusive.
 * VM6: metadata is opaque to the contract; filters are backend extensions.
 * VM7: delete() is optional.
 * VM8: a document (minus its embedding) round-trips through JSON unchanged.
 */
export interface VectorMemory {
  readonly dimension: number;
  store(docs: VectorDocument[]): Promise<void>;
  search(embedding: number[], options?: VectorSearchOptions): Promise<RetrievedDocument[]>;
  delete?(ids: string[]): Promise<void>;
}

/**
 * Text to vector.
 * E1: the same input and model give the same vector on every call.
 * E2: no side effects beyond caching.
 * E3: failure rejects the promise; there is no null embedding.
 */
export type EmbedFn = (text: string) => Promise<number[]>;
