/** Settings of bot discovery and start: where the bot folders are, how many load and how many getMe calls run at once, whether getMe's answers are kept. */
import { z } from "zod";
import { booleanFlag, integer, type SettingsOf } from "../settings/setting-types.ts";

export const botsSettings = {
  /** Folder that holds one folder per bot. @defaultValue ./bots */
  BOTS_DIR: z.string().min(1).default("./bots"),
  /**
   * Bot folders imported at once while the process starts. Each import waits on Node's module-hooks
   * thread several times (resolve, load, each import of the file); more in flight keep the main
   * thread busy meanwhile: 10,000 bots were ready 7% sooner with 64 than with 16, 1000 alike.
   * @defaultValue 64
   */
  BOTS_LOAD_CONCURRENCY: integer(1).default(64),
  /**
   * `getMe` calls at once while bots start. Each is one bot's own call, so Telegram's limits (per
   * bot) do not bound it; the round trip does: 10,000 bots against a Bot API 80 ms away were
   * ready 62 s after the start with 16, 21 s with 128, 15 s with 256. @defaultValue 256
   */
  GETME_CONCURRENCY: integer(1).default(256),
  /**
   * Keep getMe's answer per bot (in the local store, or Redis in queue mode): a restart makes each
   * bot ready from it at once and checks it with Telegram in the background. @defaultValue on
   */
  GETME_CACHE: booleanFlag.default(true),
};

export type BotsSettings = SettingsOf<typeof botsSettings>;
