/** Bytes through a compression or decompression stream, collected. */
async function through(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    for await (const chunk of chunks) await writer.write(chunk as Uint8Array<ArrayBuffer>);
    await writer.close();
  })();
  const out: Uint8Array[] = [];
  let size = 0;
  const reading = (async () => {
    const reader = stream.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      out.push(value);
      size += value.length;
    }
  })();
  // Both sides settle: a corrupt input fails the writer and the reader alike.
  await Promise.all([writing, reading]);
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of out) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/**
 * Gzips a sequence of chunks (CompressionStream: the same on Workers and Node). The
 * output is a function of the input alone (no timestamp in the header), so the same
 * text always gives the same bytes.
 */
export function gzip(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  return through(chunks, new CompressionStream("gzip"));
}

/**
 * Gunzips bytes.
 * @throws TypeError when the bytes are not a complete gzip stream.
 */
export function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return through([bytes], new DecompressionStream("gzip"));
}
