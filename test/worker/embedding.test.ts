import { describe, expect, inject, it } from "vitest";
import { localEmbed } from "../../src/embedding/local-embedder.js";
import { EMBEDDING_SAMPLES } from "./embedding-samples.js";

describe("the local embedder in workerd", () => {
  it("produces vectors byte-identical to Node's", () => {
    const fromNode = JSON.parse(inject("nodeEmbeddings")) as number[][];
    const here = EMBEDDING_SAMPLES.map((t) => localEmbed(t));
    expect(here).toHaveLength(fromNode.length);
    for (const [i, v] of here.entries()) {
      const a = new Uint8Array(Float64Array.from(v).buffer);
      const b = new Uint8Array(Float64Array.from(fromNode[i] ?? []).buffer);
      expect(a).toEqual(b);
    }
  });
});
