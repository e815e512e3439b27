import type { VectorDocument, VectorMemory } from "../../memory/ports.js";
import { byScoreThenId, checkDocuments, checkVector, cosine, searchBounds } from "../../memory/vectors.js";

/** Brute-force cosine search over documents held in the process. */
export function createMemoryVectorMemory(dimension: number): VectorMemory {
  const docs = new Map<string, VectorDocument>();
  return {
    dimension,
    async store(input) {
      checkDocuments(input, dimension);
      for (const d of input) {
        // A deep copy: later caller mutation must not change what is stored (VM8).
        docs.set(
          d.id,
          structuredClone({
            id: d.id,
            content: d.content,
            embedding: [...d.embedding],
            metadata: d.metadata,
          }),
        );
      }
    },
    async search(embedding, options) {
      checkVector(embedding, dimension);
      const { topK, threshold } = searchBounds(options);
      const hits = [];
      for (const d of docs.values()) {
        const score = cosine(embedding, d.embedding);
        if (threshold !== null && !(score > threshold)) continue;
        hits.push({
          id: d.id,
          content: d.content,
          score,
          ...(d.metadata && Object.keys(d.metadata).length > 0
            ? { metadata: structuredClone(d.metadata) }
            : {}),
        });
      }
      return hits.sort(byScoreThenId).slice(0, topK);
    },
    async delete(ids) {
      for (const id of ids) docs.delete(id);
    },
  };
}
