/**
 * grammY sessions (`ctx.session`, one per chat) for every bot of a process, as middleware the bot
 * setup mounts before the bot's handlers. Each bot gets its own storage namespace: its own keys
 * in the embedded default's local store (or memory, with DURABILITY=memory), its own key prefix
 * in Redis (queue mode), so one bot can never read another bot's sessions.
 */
import { MemorySessionStorage, session, type Middleware, type StorageAdapter } from "grammy";
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import type { BotContext } from "../bots/bot-context.ts";
import type { QueueSettings } from "../queue/queue-settings.ts";
import { dropEmptySessions } from "./drop-empty-sessions.ts";
import { RedisSessionStorage } from "./redis-session-storage.ts";
import type { SessionData } from "./session-data.ts";
import { sessionKeyPrefix } from "./session-key.ts";
import type { SessionSettings } from "./session-settings.ts";

export interface BotSessionsOptions {
  settings: SessionSettings & Pick<QueueSettings, "QUEUE_PREFIX">;
  logger: Logger;
  /** Queue mode: sessions live in this Redis (the caller owns the connection). */
  redis?: Redis | Cluster;
  /** The embedded default's durable store of one bot's sessions (they survive a restart). */
  storage?: (botName: string) => StorageAdapter<SessionData>;
}

export class BotSessions {
  constructor(private readonly options: BotSessionsOptions) {}

  /** The session middleware of the bot called `botName`. */
  middlewareFor(botName: string): Middleware<BotContext> {
    // Keyed by chat (grammY's default): every member of a group shares the group's session.
    return session<SessionData, BotContext>({ initial: () => ({}), storage: dropEmptySessions(this.storageFor(botName)) });
  }

  private storageFor(botName: string): StorageAdapter<SessionData> {
    const { settings, redis, logger } = this.options;
    const ttlSeconds = settings.SESSION_TTL_SECONDS;
    if (this.options.storage !== undefined) return this.options.storage(botName);
    if (redis === undefined) return new MemorySessionStorage<SessionData>(ttlSeconds > 0 ? ttlSeconds * 1000 : undefined);
    return new RedisSessionStorage<SessionData>({
      redis,
      keyPrefix: sessionKeyPrefix(settings.SESSION_KEY_PREFIX ?? settings.QUEUE_PREFIX, botName),
      ttlSeconds,
      logger: logger.child({ bot: botName }),
    });
  }
}
