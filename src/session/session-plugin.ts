/**
 * Gives every bot grammY sessions (`ctx.session`, one per chat) before its handlers mount. Each
 * bot gets its own storage namespace: its own in-memory store in the embedded default, its own
 * key prefix in Redis (queue mode), so one bot can never read another bot's sessions.
 */
import { MemorySessionStorage, session, type StorageAdapter } from "grammy";
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import type { BotContext } from "../bots/bot-context.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import type { ServicePlugin } from "../service/service-plugin.ts";
import { dropEmptySessions } from "./drop-empty-sessions.ts";
import { RedisSessionStorage } from "./redis-session-storage.ts";
import type { SessionData } from "./session-data.ts";
import { sessionKeyPrefix } from "./session-key.ts";

export interface SessionPluginDeps {
  config: Pick<ServiceConfig, "SESSION_KEY_PREFIX" | "SESSION_TTL_SECONDS" | "QUEUE_PREFIX">;
  logger: Logger;
  /** Queue mode: sessions live in this Redis (the caller owns the connection). Unset: in memory. */
  redis?: Redis | Cluster;
}

export function sessionPlugin(deps: SessionPluginDeps): ServicePlugin {
  const ttlSeconds = deps.config.SESSION_TTL_SECONDS;
  const keyPrefix = deps.config.SESSION_KEY_PREFIX ?? deps.config.QUEUE_PREFIX;
  const storageFor = (botName: string): StorageAdapter<SessionData> => {
    if (deps.redis === undefined) return new MemorySessionStorage<SessionData>(ttlSeconds > 0 ? ttlSeconds * 1000 : undefined);
    return new RedisSessionStorage<SessionData>({
      redis: deps.redis,
      keyPrefix: sessionKeyPrefix(keyPrefix, botName),
      ttlSeconds,
      logger: deps.logger.child({ bot: botName }),
    });
  };
  return {
    name: "session",
    prepareBot(bot, identity) {
      // Keyed by chat (grammY's default): every member of a group shares the group's session.
      bot.use(session<SessionData, BotContext>({ initial: () => ({}), storage: dropEmptySessions(storageFor(identity.name)) }));
    },
  };
}
