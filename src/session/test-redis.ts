/**
 * For tests: a Redis connection (REDIS_URL, else 127.0.0.1:6379), a unique key prefix, and
 * cleanup of that prefix only. Without a Redis the tests skip, except under CI=true, where a
 * missing Redis is an error.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Connects, or returns undefined (skip) when no Redis answers; throws under CI=true. */
export async function connectTestRedis(): Promise<Redis | undefined> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    if (process.env.CI === "true") throw new Error(`Redis is required under CI=true but ${TEST_REDIS_URL} did not answer`, { cause: error });
    return undefined;
  }
}

export function uniqueTestPrefix(name: string): string {
  return `test-${name}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Deletes every key that starts with `prefix` (SCAN, never FLUSH). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) deleted += await redis.del(...keys);
  }
  return deleted;
}
