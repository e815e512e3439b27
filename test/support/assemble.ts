import type { AssembleInput } from "../../src/context/assemble.js";

/** An AssembleContext request as the RPC layer builds it from an empty proto message, plus overrides. */
export function assembleRequest(
  agentId: string,
  overrides: Partial<Omit<AssembleInput, "options">> & { options?: Partial<AssembleInput["options"]> } = {},
): AssembleInput {
  const { options, ...rest } = overrides;
  return {
    agentId,
    orgId: "",
    sessionId: "",
    query: "",
    model: "gpt-4o",
    directiveVersionId: "",
    availableTokens: 0,
    recentMessages: [],
    ...rest,
    options: {
      skipColdMemories: false,
      skipHotMemories: false,
      weights: { recency: 0, relevance: 0, usefulness: 0, confidence: 0 },
      maxMemories: 0,
      ...options,
    },
  };
}
