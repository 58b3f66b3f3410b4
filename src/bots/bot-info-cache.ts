/**
 * getMe's answer per bot, kept in the bot storage of the mode (the embedded default's local
 * store, Redis in queue mode, memory with DURABILITY=memory) so that a restart makes a bot ready
 * from it at once and checks it with Telegram in the background (GETME_CACHE). Keyed by a SHA-256
 * digest of the token, never the token: a new token is a miss. A cache that cannot be read or
 * written is skipped with a warning; the bot then starts as it would without one.
 */
import { createHash } from "node:crypto";
import type { UserFromGetMe } from "grammy/types";
import type { Logger } from "pino";
import type { BotStorageProvider } from "./bot-storage.ts";

/** The cache's namespace in the bot storage: a leading `_` is the engine's, botStorage() refuses it to bot code. */
export const BOT_INFO_NAMESPACE = "_getMe";

function digestOf(token: string): string {
  return createHash("sha256").update("clustered-bots getMe\0").update(token).digest("hex");
}

function looksLikeBotInfo(value: unknown): value is UserFromGetMe {
  const info = value as Partial<UserFromGetMe> | null;
  return typeof info === "object" && info !== null && info.is_bot === true && typeof info.id === "number" && typeof info.username === "string" && typeof info.first_name === "string";
}

export class BotInfoCache {
  constructor(
    private readonly storage: BotStorageProvider,
    private readonly logger: Logger,
  ) {}

  /** What getMe answered for this token last time; undefined when nothing usable is kept. */
  async read(botName: string, token: string): Promise<UserFromGetMe | undefined> {
    try {
      const value = await this.storage(botName, BOT_INFO_NAMESPACE).read(digestOf(token));
      return looksLikeBotInfo(value) ? value : undefined;
    } catch (error) {
      this.logger.warn({ bot: botName, err: error }, "getMe cache not readable, asking Telegram");
      return undefined;
    }
  }

  async write(botName: string, token: string, info: UserFromGetMe): Promise<void> {
    try {
      await this.storage(botName, BOT_INFO_NAMESPACE).write(digestOf(token), info);
    } catch (error) {
      this.logger.warn({ bot: botName, err: error }, "getMe cache not writable; the next start asks Telegram first");
    }
  }
}
