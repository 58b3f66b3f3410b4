/**
 * The log file of a process, in LOG_DIR. By default pino-roll rotates it: `bots.<date>.<n>.log`,
 * a new file once one reaches the size and at each day (or hour), the oldest deleted past the
 * number kept, and `current.log` linked to the one being written. With rotation off it is one
 * `bots.log` for an outside tool (logrotate) to move, reopened by `reopen()` (SIGHUP).
 *
 * pino-roll runs here, in the process, as the logger's destination: the logger hands it each line
 * after the secret scrubber's hook, so every line in every file was scrubbed first (the scrubber
 * learns secrets while bots load, so it could not run in a transport's worker thread), and a
 * crash can still write out what is buffered synchronously.
 */
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { pino, type DestinationStream } from "pino";
import pinoRoll from "pino-roll";
import type { SonicBoom } from "sonic-boom";
import { ConfigError } from "../errors/config-error.ts";
import type { LoggingSettings } from "./logging-settings.ts";
import { ThrottledLog } from "./throttled-log.ts";

export interface LogRotation {
  /** A file is rolled once it reaches this many bytes. */
  sizeBytes: number;
  /** Files kept, the one being written included (at least 2). */
  keep: number;
  /** Also roll at the start of each day or hour, local time; `off`: by size only. */
  interval: "daily" | "hourly" | "off";
}

export interface LogFileOptions {
  dir: string;
  /** How the file rotates; undefined: it does not (an outside tool moves it, then `reopen()`). */
  rotation: LogRotation | undefined;
  /** Told when the file cannot be written (disk full, folder gone). @defaultValue a stderr line, at most one a minute */
  onError?: (error: unknown) => void;
}

/** The base name; pino-roll puts the date and number between `bots` and `.log`. */
const FILE_NAME = "bots.log";
const DATE_FORMATS = { daily: "yyyy-MM-dd", hourly: "yyyy-MM-dd-HH" } as const;
/** Longest wait at a clean exit for the file to take what is buffered; then it is written synchronously. */
const CLOSE_TIMEOUT_MS = 5_000;
const ERROR_REPORT_INTERVAL_MS = 60_000;

/** The rotation the settings ask for (undefined with LOG_ROTATE off). */
export function logRotationOf(settings: Pick<LoggingSettings, "LOG_ROTATE" | "LOG_ROTATE_SIZE" | "LOG_ROTATE_KEEP" | "LOG_ROTATE_INTERVAL">): LogRotation | undefined {
  if (!settings.LOG_ROTATE) return undefined;
  return { sizeBytes: settings.LOG_ROTATE_SIZE, keep: settings.LOG_ROTATE_KEEP, interval: settings.LOG_ROTATE_INTERVAL };
}

export class LogFile {
  /** What the logger writes to; lines after `close()` are dropped (stdout still has them). */
  readonly destination: DestinationStream;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly stream: SonicBoom,
    /** The folder, absolute. */
    readonly dir: string,
    readonly rotation: LogRotation | undefined,
    onError: (error: unknown) => void,
  ) {
    this.destination = { write: (line: string) => void (this.closing === undefined && stream.write(line)) };
    // A file that cannot be written must not take every bot down: an unheard 'error' would throw.
    stream.on("error", onError);
  }

  /** Opens the file (a folder or file that cannot be written stops the start with a ConfigError naming LOG_DIR). */
  static async open(options: LogFileOptions): Promise<LogFile> {
    const dir = path.resolve(options.dir);
    try {
      // Before pino-roll: it links current.log at once, before its stream has made the folder.
      mkdirSync(dir, { recursive: true });
      const rotation = options.rotation;
      const stream = rotation === undefined ? pino.destination({ dest: path.join(dir, FILE_NAME), mkdir: true, sync: false }) : await openRolling(dir, rotation);
      await opened(stream);
      return new LogFile(stream, dir, rotation, options.onError ?? reportToStderr());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      throw new ConfigError(`LOG_DIR=${JSON.stringify(options.dir)}: the log file cannot be written there (${code ?? (error instanceof Error ? error.message : String(error))})`);
    }
  }

  /** The file being written now (with rotation, `current.log` links to it). */
  get path(): string {
    return (this.stream as unknown as OpenState).file ?? path.join(this.dir, FILE_NAME);
  }

  /** Writes what is buffered at once (a crash: the process exits right after). */
  flushSync(): void {
    try {
      this.stream.flushSync();
    } catch {
      // Not open yet, or between two files while rolling: nothing can be written synchronously.
    }
  }

  /** Opens the file again by its name, after an outside tool moved it (rotation off). */
  reopen(): void {
    if (this.closing === undefined) this.stream.reopen();
  }

  /** Writes out everything buffered and closes the file (a clean exit); resolves once it is closed. */
  close(): Promise<void> {
    this.closing ??= this.end();
    return this.closing;
  }

  private async end(): Promise<void> {
    const stream = this.stream;
    const deadline = AbortSignal.timeout(CLOSE_TIMEOUT_MS);
    // SonicBoom ended while it switches files (a roll, a reopen) never opens the new one and never
    // closes: wait for the switch first.
    const state = stream as unknown as OpenState;
    if (state._opening === true || state._reopening === true) await once(stream, "ready", { signal: deadline }).catch(() => undefined);
    const closed = once(stream, "close", { signal: deadline }).then(
      () => true,
      () => false,
    );
    try {
      stream.end();
    } catch {
      return; // Destroyed by a write error: there is nothing left to close.
    }
    // Past the deadline (a disk that does not answer), what is left is written synchronously.
    if (!(await closed)) this.flushSync();
  }
}

function reportToStderr(): (error: unknown) => void {
  let last: unknown;
  const report = new ThrottledLog((count) => {
    const message = last instanceof Error ? last.message : String(last);
    process.stderr.write(`log file not written: ${message}${count > 1 ? ` (${count} errors)` : ""}\n`);
  }, ERROR_REPORT_INTERVAL_MS);
  return (error) => {
    last = error;
    report.hit();
  };
}

/** SonicBoom's state of its file (sonic-boom 4; its types leave it out): open, and switching. */
interface OpenState {
  fd: number;
  file: string | null;
  _opening?: boolean;
  _reopening?: boolean;
}

/** pino-roll's stream for the rotation asked for. */
function openRolling(dir: string, rotation: LogRotation) {
  return pinoRoll({
    file: path.join(dir, FILE_NAME),
    size: `${rotation.sizeBytes}b`,
    ...(rotation.interval === "off" ? {} : { frequency: rotation.interval, dateFormat: DATE_FORMATS[rotation.interval] }),
    // pino-roll keeps `count` files besides the current one. removeOtherLogFiles counts the files
    // of earlier runs too: without it each restart would leave its files behind for good.
    limit: { count: rotation.keep - 1, removeOtherLogFiles: true },
    symlink: true,
    mkdir: true,
    sync: false,
  });
}

/** Resolves once the stream's file is open, rejects with why it could not be. */
async function opened(stream: SonicBoom): Promise<void> {
  if ((stream as unknown as OpenState).fd >= 0) return;
  await once(stream, "ready");
}
