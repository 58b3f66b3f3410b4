/**
 * The service logger: pino JSON lines to stdout and to the log file (log-file.ts: rotated in
 * LOG_DIR), every line passed through the SecretScrubber first (stdout pretty-printed from the
 * scrubbed line in a terminal). Built by a factory; nothing is opened at import time.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import pretty from "pino-pretty";
import { LogFile, logRotationOf } from "./log-file.ts";
import type { LoggingSettings } from "./logging-settings.ts";
import type { SecretScrubber } from "./secret-scrubber.ts";

export type { Logger } from "pino";

export interface LoggerOptions {
  level: LevelWithSilent;
  /** The log file (LogFile.open). Omit to log to stdout only. */
  file?: LogFile;
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
  /** The file being written when the logger was built. */
  logFile: string | undefined;
  /** Writes out what is buffered, synchronously: before a crash exits the process. */
  flush: () => void;
  /** Writes out everything and closes the log file: before a clean exit, so no line is lost. */
  close: () => Promise<void>;
  /** Opens the log file again by its name, once logrotate moved it (SIGHUP); undefined when pino-roll rotates it or there is none. */
  reopen: (() => void) | undefined;
}

export function createLogger(options: LoggerOptions): ServiceLogger {
  const streams: pino.StreamEntry[] = [];
  // The asynchronous stdout of JSON lines (not the terminal's, which is synchronous), once built.
  let jsonOut: { flushSync: () => void; end: () => Promise<void> } | undefined;
  if (options.stdout !== false) {
    const format = options.format ?? "auto";
    if (format === "pretty" || (format === "auto" && process.stdout.isTTY)) {
      // Fed the scrubbed JSON line like every destination; synchronous, as a terminal is for people.
      streams.push({ stream: pretty({ destination: 1, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }), level: "trace" });
    } else {
      const out = pino.destination({ dest: 1, sync: false });
      // Once ended (close), a late line is dropped: a write to an ended SonicBoom throws.
      let ended = false;
      streams.push({ stream: { write: (line: string) => void (ended || out.write(line)) }, level: "trace" });
      jsonOut = {
        flushSync: () => out.flushSync(),
        // Ended, not flushed synchronously: a synchronous flush would pass a write still waiting in
        // libuv's thread pool (a busy host), and stdout would end out of order.
        end: () =>
          new Promise<void>((resolve) => {
            out.once("close", () => resolve());
            out.once("error", () => resolve());
            ended = true;
            out.end();
          }),
      };
    }
  }
  const file = options.file;
  if (file !== undefined) streams.push({ stream: file.destination, level: "trace" });
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
  const flushStdout = () => {
    try {
      jsonOut?.flushSync();
    } catch {
      // A destination that is not open yet has nothing to flush.
    }
  };
  return {
    logger,
    logFile: file?.path,
    flush: () => {
      flushStdout();
      file?.flushSync();
    },
    // The file is ended rather than flushed synchronously: a write already on its way would
    // otherwise land after what a synchronous flush writes.
    close: async () => {
      await Promise.all([jsonOut?.end(), file?.close()]);
    },
    reopen: file === undefined || file.rotation !== undefined ? undefined : () => file.reopen(),
  };
}

/** The logger of a long-running process: stdout as LOG_FORMAT says, and the log file in LOG_DIR, rotated as LOG_ROTATE* say. */
export async function openServiceLogger(settings: LoggingSettings, scrubber: SecretScrubber): Promise<ServiceLogger> {
  const file = await LogFile.open({ dir: settings.LOG_DIR, rotation: logRotationOf(settings) });
  return createLogger({ level: settings.LOG_LEVEL, scrubber, format: settings.LOG_FORMAT, file });
}
