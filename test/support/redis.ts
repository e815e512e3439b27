/** The Redis the tests use: the machine's own server unless REDIS_URL says otherwise. */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
