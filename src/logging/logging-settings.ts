/** Settings of the log: its folder and level. */
import { z } from "zod";
import type { SettingsOf } from "../settings/setting-types.ts";

export const loggingSettings = {
  /** Folder of the log file `bots.log`. @defaultValue logs/bots */
  LOG_DIR: z.string().min(1).default("logs/bots"),
  /** pino level. @defaultValue info */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * How stdout shows log lines: `auto` pretty-prints in a terminal and writes JSON lines otherwise
   * (a pipe, a file, a container's log); `json` and `pretty` force one. The log file is always
   * JSON lines. @defaultValue auto
   */
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
};

export type LoggingSettings = SettingsOf<typeof loggingSettings>;
