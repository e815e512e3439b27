import { createGenerationalMap } from "../lib/generational-map.js";
import { piecesTokens } from "./content-tokens.js";
import { type FormattedMemory, type MemoryLineParts, memoryLineParts, scorePiece } from "./format.js";
import { type Encoding, perEncoding } from "./tokenizer.js";

/** A memory line's parts that stay the same between calls, joined and counted. */
interface SteadyLine {
  content: string;
  confidence: number;
  parts: MemoryLineParts;
  head: string;
  headTokens: number;
  tail: string;
  tailTokens: number;
}

/** Memory lines remembered per encoding (a few hundred bytes each). */
const MAX_LINES = 50_000;

const remembered = perEncoding(() => createGenerationalMap<SteadyLine>(MAX_LINES, () => 1));

type LineMemory = Pick<FormattedMemory, "id" | "content" | "confidence" | "score">;

function steadyLine(m: Omit<LineMemory, "score">, encoding: Encoding, exact: boolean): SteadyLine {
  const parts = memoryLineParts(m);
  return {
    content: m.content,
    confidence: m.confidence,
    parts,
    head: parts.head.map((p) => p.text).join(""),
    headTokens: piecesTokens(parts.head, encoding, exact),
    tail: parts.tail.map((p) => p.text).join(""),
    tailTokens: piecesTokens(parts.tail, encoding, exact),
  };
}

/**
 * A memory line's text and exact token count — the same as counting
 * `memoryLinePieces(m)` — with everything but the score remembered per memory: the
 * hot set's lines recur in every call, and escaping and splitting their content and
 * counting its pieces was the largest part of assembling them. An entry is used only
 * while the memory's content and confidence are the ones it was made from; counts
 * made while the tokenizer tables load are estimates and are not remembered.
 */
export function countedMemoryLine(
  m: LineMemory,
  encoding: Encoding,
  exact: boolean,
): { text: string; tokens: number } {
  const lines = remembered(encoding);
  let line = lines.get(m.id);
  if (!line || line.content !== m.content || line.confidence !== m.confidence) {
    line = steadyLine(m, encoding, exact);
    if (exact) lines.set(m.id, line);
  }
  const score = scorePiece(line.parts, m.score);
  return {
    text: `${line.head}${score.text}${line.tail}`,
    tokens: line.headTokens + piecesTokens([score], encoding, exact) + line.tailTokens,
  };
}
