import type { EmbedFn } from "../memory/ports.js";

/** An EmbedFn that also names its model and embeds many texts in one call. */
export interface Embedder {
  readonly model: string;
  readonly dimension: number;
  embed: EmbedFn;
  /** Same vectors as embed(), one per text, in order; rejects as a whole. */
  embedBatch(texts: string[]): Promise<number[][]>;
}
