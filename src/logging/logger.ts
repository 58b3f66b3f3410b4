/**
 * The service logger: pino JSON lines to stdout and to `LOG_DIR/bots.log`, every line passed
 * through the SecretScrubber first (stdout pretty-printed from the scrubbed line in a terminal).
 * Built by a factory; nothing is opened at import time.
 */
import path from "node:path";
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import pretty from "pino-pretty";
import type { SecretScrubber } from "./secret-scrubber.ts";

export type { Logger } from "pino";

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Folder of `bots.log`; created if missing. Omit to log to stdout only. */
  logDir?: string;
  scrubber: SecretScrubber;
  /** Extra destination (tests read lines from it). */
  extraStream?: DestinationStream;
  /** Write to stdout. @defaultValue true */
  stdout?: boolean;
  /** stdout as JSON lines, pretty, or pretty only in a terminal (LOG_FORMAT). @defaultValue auto */
  format?: "auto" | "json" | "pretty";
}

export interface ServiceLogger {
  logger: Logger;
  logFile: string | undefined;
  /** Writes out what is buffered; call before the process exits. */
  flush: () => void;
}

export function createLogger(options: LoggerOptions): ServiceLogger {
  const streams: pino.StreamEntry[] = [];
  const flushers: Array<() => void> = [];
  if (options.stdout !== false) {
    const format = options.format ?? "auto";
    if (format === "pretty" || (format === "auto" && process.stdout.isTTY)) {
      // Fed the scrubbed JSON line like every destination; synchronous, as a terminal is for people.
      streams.push({ stream: pretty({ destination: 1, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }), level: "trace" });
    } else {
      const out = pino.destination({ dest: 1, sync: false });
      streams.push({ stream: out, level: "trace" });
      flushers.push(() => out.flushSync());
    }
  }
  let logFile: string | undefined;
  if (options.logDir !== undefined) {
    logFile = path.resolve(options.logDir, "bots.log");
    const file = pino.destination({ dest: logFile, mkdir: true, sync: false });
    streams.push({ stream: file, level: "trace" });
    flushers.push(() => file.flushSync());
  }
  if (options.extraStream !== undefined) streams.push({ stream: options.extraStream, level: "trace" });

  const logger = pino(
    {
      level: options.level,
      base: { pid: process.pid },
      // Paths where secrets live in objects we log; the scrubber catches the rest.
      redact: {
        paths: ["token", "*.token", "internalKey", "*.internalKey", "req.headers[\"x-internal-key\"]", "headers[\"x-internal-key\"]"],
        censor: "[redacted]",
      },
      serializers: { err: pino.stdSerializers.errWithCause },
      hooks: { streamWrite: (line) => options.scrubber.scrub(line) },
    },
    pino.multistream(streams),
  );
  return {
    logger,
    logFile,
    flush: () => {
      for (const flush of flushers) {
        try {
          flush();
        } catch {
          // A destination that is not open yet has nothing to flush.
        }
      }
    },
  };
}
