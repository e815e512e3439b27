/** Texts whose local-embedder vectors must be byte-identical in Node and workerd. */
export const EMBEDDING_SAMPLES = [
  "I prefer window seats on long flights.",
  "Caroline attended an LGBTQ support group on 7 May 2023.",
  "Ünïcödé façade naïve café — Straße ǅ ﬁ",
  "日本語のテキストと中文文本",
  "🙂🙃 !!! ???",
  "The quick brown fox jumps over the lazy dog. ".repeat(40).trim(),
  "x",
];
