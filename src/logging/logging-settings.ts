/** Settings of the log: its folder, level and stdout format, and how the log file rotates. */
import { z } from "zod";
import { booleanFlag, byteSize, integer, type SettingsOf } from "../settings/setting-types.ts";

export const loggingSettings = {
  /** Folder of the log files (`bots.<date>.<n>.log` and the `current.log` link; `bots.log` with LOG_ROTATE off). @defaultValue logs/bots */
  LOG_DIR: z.string().min(1).default("logs/bots"),
  /** pino level. @defaultValue info */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * How stdout shows log lines: `auto` pretty-prints in a terminal and writes JSON lines otherwise
   * (a pipe, a file, a container's log); `json` and `pretty` force one. The log file is always
   * JSON lines. @defaultValue auto
   */
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
  /**
   * Rotate the log file by size and by LOG_ROTATE_INTERVAL, keeping LOG_ROTATE_KEEP files. Off:
   * one `bots.log` for an outside tool (logrotate) to rotate; the process reopens it on SIGHUP.
   * @defaultValue on
   */
  LOG_ROTATE: booleanFlag.default(true),
  /** A file is rolled once it reaches this size, given as `500k`, `50m`, `1g`. @defaultValue 50m (52428800 bytes) */
  LOG_ROTATE_SIZE: byteSize(1024, 1024 ** 4).default(50 * 1024 ** 2),
  /**
   * Files kept in LOG_DIR, the one being written included; the oldest is deleted when a new one
   * starts. The log takes at most about LOG_ROTATE_KEEP x LOG_ROTATE_SIZE of disk. @defaultValue 10
   */
  LOG_ROTATE_KEEP: integer(2, 1000).default(10),
  /** Also start a new file each day or hour (local time, TZ), the date in its name; `off`: by size only. @defaultValue daily */
  LOG_ROTATE_INTERVAL: z.enum(["daily", "hourly", "off"]).default("daily"),
};

export type LoggingSettings = SettingsOf<typeof loggingSettings>;
