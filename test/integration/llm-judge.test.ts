import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../src/lib/errors.js";
import { createLlmJudge } from "../../src/memory/write/llm-judge.js";
import { startFakeOpenAi } from "../support/fake-openai.js";

let fake: Awaited<ReturnType<typeof startFakeOpenAi>>;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(() => fake.stop());

const a = { content: "User lives in Paris", category: "factual" as const };
const b = { content: "User lives in Lisbon", category: "factual" as const };

describe("LLM conflict judge (OpenAI-compatible)", () => {
  it("asks in JSON mode at temperature 0 and returns the verdict", async () => {
    fake.state.chat = () => '{"contradicts": true, "confidence": 0.93}';
    const judge = createLlmJudge({ baseUrl: fake.url, apiKey: fake.apiKey, model: "gpt-4o-mini" });
    expect(await judge.judge(a, b)).toEqual({ contradicts: true, confidence: 0.93, reason: "llm" });
    expect(fake.state.lastChat).toMatchObject({
      model: "gpt-4o-mini",
      temperature: 0,
      response_format: { type: "json_object" },
    });
    const messages = (fake.state.lastChat?.messages ?? []) as { role: string; content: string }[];
    const user = messages[1];
    expect(JSON.parse(user?.content ?? "{}")).toEqual({
      category: "factual",
      existing: a.content,
      incoming: b.content,
    });
  });

  it.each(["not json", '{"contradicts": "yes"}', '{"contradicts": true, "confidence": 7}', ""])(
    "treats malformed output %j as a retryable failure",
    async (content) => {
      fake.state.chat = () => content;
      const err = await createLlmJudge({ baseUrl: fake.url, apiKey: fake.apiKey, model: "m" })
        .judge(a, b)
        .catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe("UNAVAILABLE");
      expect(isAppError(err) && err.retryable).toBe(true);
    },
  );

  it("maps a server error and a wrong key to errors, never to a verdict", async () => {
    fake.state.failWith = 503;
    const down = await createLlmJudge({ baseUrl: fake.url, apiKey: fake.apiKey, model: "m" })
      .judge(a, b)
      .catch((e: unknown) => e);
    expect(isAppError(down) && down.code).toBe("UNAVAILABLE");
    fake.state.failWith = 0;
    const denied = await createLlmJudge({ baseUrl: fake.url, apiKey: "wrong", model: "m" })
      .judge(a, b)
      .catch((e: unknown) => e);
    expect(isAppError(denied)).toBe(true);
  });
});
