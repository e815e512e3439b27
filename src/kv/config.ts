import { z } from "zod";

/** The key-value store's variables, shared by the app's and the embedding service's schemas. */
export const KvConfigShape = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .optional(),
  UPSTASH_REDIS_REST_URL: z.string().url().optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
};
