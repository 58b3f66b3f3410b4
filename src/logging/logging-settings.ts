/** Settings of the log: its folder and level. */
import { z } from "zod";
import type { SettingsOf } from "../settings/setting-types.ts";

export const loggingSettings = {
  /** Folder of the log file `bots.log`. @defaultValue logs/bots */
  LOG_DIR: z.string().min(1).default("logs/bots"),
  /** pino level. @defaultValue info */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
};

export type LoggingSettings = SettingsOf<typeof loggingSettings>;
