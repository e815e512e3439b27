/** A model's list price in US dollars per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * List prices of common chat models (US dollars per 1M input / output tokens), used to
 * record what an extraction cost (ADR-0036). Prices change and negotiated rates differ:
 * an operator who needs exact accounting reads the provider's bill, and a model that is
 * not listed here simply records no cost.
 */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  "o3-mini": { input: 1.1, output: 4.4 },
  "o4-mini": { input: 1.1, output: 4.4 },
  "gpt-5": { input: 1.25, output: 10 },
  "gpt-5-mini": { input: 0.25, output: 2 },
  "gpt-5-nano": { input: 0.05, output: 0.4 },
};

/**
 * The price of `model`, matched exactly after dropping a provider prefix
 * (`openai/gpt-4o-mini`) and a dated snapshot suffix (`gpt-4o-mini-2024-07-18`);
 * `undefined` for a model not in the table (never a guess from a similar name).
 */
export function priceOf(model: string): ModelPrice | undefined {
  const name = model
    .trim()
    .toLowerCase()
    .replace(/^.*\//, "")
    .replace(/-\d{4}-\d{2}-\d{2}$/, "");
  return Object.hasOwn(MODEL_PRICES, name) ? MODEL_PRICES[name] : undefined;
}

/** What `promptTokens` in and `completionTokens` out cost on `model`; `undefined` when unknown. */
export function costUsd(model: string, promptTokens: number, completionTokens: number): number | undefined {
  const price = priceOf(model);
  if (!price) return undefined;
  return (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
}
