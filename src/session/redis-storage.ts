/**
 * The Redis side of `botStorage()` in queue mode: one bot's namespace under
 * `<prefix>:store:{<bot>}:<namespace>:<key>` (the bot in a Redis Cluster hash tag, as its
 * sessions), JSON values, shared by every worker and API process of the deployment.
 */
import type { StorageAdapter } from "grammy";
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import { RedisSessionStorage } from "./redis-session-storage.ts";

export function redisBotStorage(redis: Redis | Cluster, prefix: string, logger: Logger): (botName: string, namespace: string) => StorageAdapter<unknown> {
  return (botName, namespace) =>
    new RedisSessionStorage<unknown>({ redis, keyPrefix: `${prefix}:store:{${encodeURIComponent(botName)}}:${namespace}:`, logger: logger.child({ bot: botName, storage: namespace }) });
}
