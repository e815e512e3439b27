import { isStopword, words } from "../../embedding/text.js";

/**
 * A Postgres `to_tsquery` string OR-ing the content words of `text` (stopwords and
 * anything but letters and digits dropped, so user input cannot inject tsquery
 * syntax); empty when nothing is left.
 */
export function lexicalQuery(text: string): string {
  return [...new Set(words(text).filter((w) => !isStopword(w) && /^[\p{L}\p{N}]+$/u.test(w)))]
    .slice(0, 32)
    .join(" | ");
}
