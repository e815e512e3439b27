import { createServer } from "node:http";
import { localEmbed } from "../../src/embedding/local-embedder.js";

/**
 * A local stand-in for an OpenAI-compatible embeddings API: deterministic vectors
 * (the local embedder, scaled so they are not unit length), bearer auth, and failure
 * modes the test can switch on. Test infrastructure.
 */
export async function startFakeOpenAi(apiKey = "sk-test") {
  const state = {
    failWith: 0 as number,
    calls: 0,
    shuffle: false,
    /** What chat completions answer: the message content for a request body. */
    chat: (_body: Record<string, unknown>): string => '{"contradicts": false, "confidence": 0.5}',
    lastChat: null as Record<string, unknown> | null,
  };
  const server = createServer(async (req, res) => {
    state.calls++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${apiKey}`) return send(401, { error: { message: "bad key" } });
    if (state.failWith) return send(state.failWith, { error: { message: "injected" } });
    if (req.url?.endsWith("/chat/completions")) {
      const chat = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      state.lastChat = chat;
      return send(200, {
        choices: [{ index: 0, message: { role: "assistant", content: state.chat(chat) } }],
      });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      input: string | string[];
      model: string;
    };
    const inputs = typeof body.input === "string" ? [body.input] : body.input;
    const data = inputs.map((t, index) => ({
      object: "embedding",
      index,
      embedding: localEmbed(t).map((x) => x * 3),
    }));
    if (state.shuffle) data.reverse();
    send(200, { object: "list", data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    state,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
