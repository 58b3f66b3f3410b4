/**
 * The context bot handlers receive: grammY's Context plus the bot's own name and `.env` values.
 * Handlers may keep typing their Composers as `Composer<Context>`; `BotContext` adds the fields.
 */
import { Context, type Api } from "grammy";
import type { UserFromGetMe, Update } from "grammy/types";
import type { BotEnv } from "./bot-env.ts";
import type { SessionData } from "../session/session-data.ts";

export class BotContext extends Context {
  /** BOT_NAME of the bot handling this update. */
  readonly botName: string;
  /** The bot's own `.env` values (never `process.env`). */
  readonly env: BotEnv;
  /** This chat's session with this bot: kept across updates and restarts, never seen by other bots. */
  declare session: SessionData;

  constructor(update: Update, api: Api, me: UserFromGetMe, botName: string, env: BotEnv) {
    super(update, api, me);
    this.botName = botName;
    this.env = env;
  }
}

/** A Context constructor bound to one bot, as grammY's `ContextConstructor` option wants it. */
export function contextConstructorFor(botName: string, env: BotEnv) {
  return class extends BotContext {
    constructor(update: Update, api: Api, me: UserFromGetMe) {
      super(update, api, me, botName, env);
    }
  };
}
