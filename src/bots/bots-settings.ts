/** Settings of bot discovery and start: where the bot folders are, and how many getMe calls run at once. */
import { z } from "zod";
import { integer, type SettingsOf } from "../settings/setting-types.ts";

export const botsSettings = {
  /** Folder that holds one folder per bot. @defaultValue ./bots */
  BOTS_DIR: z.string().min(1).default("./bots"),
  /** `getMe` calls at once while bots start. @defaultValue 16 */
  GETME_CONCURRENCY: integer(1).default(16),
};

export type BotsSettings = SettingsOf<typeof botsSettings>;
