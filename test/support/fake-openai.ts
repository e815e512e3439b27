import { createServer } from "node:http";
import { localEmbed } from "../../src/embedding/local-embedder.js";

/** A full chat-completions answer, when the message content alone is not enough. */
export interface FakeChatReply {
  content: string | null;
  finishReason?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/** One chat-completions request the fake received, in arrival order. */
export interface FakeChatRequest {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A local stand-in for an OpenAI-compatible API on 127.0.0.1 (random port): embeddings
 * with deterministic vectors (the local embedder, scaled so they are not unit length),
 * chat completions answered by `state.chat`, bearer auth, every chat request recorded,
 * and failure modes the test can switch on (a status with an optional Retry-After, or
 * never answering). Test infrastructure.
 */
export async function startFakeOpenAi(apiKey = "sk-test") {
  const state = {
    failWith: 0 as number,
    /** Sent as Retry-After with `failWith`, when set. */
    retryAfter: null as string | null,
    /** Chat requests are read and recorded but never answered (a timeout for the client). */
    hang: false,
    calls: 0,
    shuffle: false,
    /** What chat completions answer for a request body: the message content, or a full reply. */
    chat: (_body: Record<string, unknown>): string | FakeChatReply =>
      '{"contradicts": false, "confidence": 0.5}',
    lastChat: null as Record<string, unknown> | null,
    chatRequests: [] as FakeChatRequest[],
  };
  const server = createServer(async (req, res) => {
    state.calls++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const isChat = req.url?.endsWith("/chat/completions") ?? false;
    let chat: Record<string, unknown> | null = null;
    if (isChat) {
      chat = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      state.chatRequests.push({ path: req.url ?? "", authorization: req.headers.authorization, body: chat });
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) return send(401, { error: { message: "bad key" } });
    if (state.failWith) {
      return send(
        state.failWith,
        { error: { message: "injected" } },
        state.retryAfter ? { "retry-after": state.retryAfter } : {},
      );
    }
    if (chat) {
      if (state.hang) return;
      state.lastChat = chat;
      const reply = state.chat(chat);
      const r: FakeChatReply = typeof reply === "string" ? { content: reply } : reply;
      return send(200, {
        id: `chatcmpl-${state.calls}`,
        object: "chat.completion",
        model: chat.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: r.content },
            finish_reason: r.finishReason ?? "stop",
          },
        ],
        ...(r.usage
          ? { usage: { ...r.usage, total_tokens: r.usage.prompt_tokens + r.usage.completion_tokens } }
          : {}),
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
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Requests left hanging would otherwise keep the server open.
        server.closeAllConnections();
      }),
  };
}
