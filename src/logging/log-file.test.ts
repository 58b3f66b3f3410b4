/**
 * The log file through the real logger and pino-roll, in temporary folders: lines go to files
 * that roll by size, at most LOG_ROTATE_KEEP of them stay (across restarts too), every line in
 * every file was scrubbed, nothing is lost when the file closes, and with rotation off the file
 * is reopened after an outside tool moved it.
 */
import { existsSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../errors/config-error.ts";
import { logFileLines, logFileNames, logFilesText } from "../testing/log-files.ts";
import { until } from "../testing/until.ts";
import { LogFile, type LogRotation } from "./log-file.ts";
import { createLogger, type ServiceLogger } from "./logger.ts";
import { SecretScrubber } from "./secret-scrubber.ts";

const SECRET = "123456:never-in-any-file-AAAAAAAAAAAAAAAAAAAA";
const SIZE = 2048;
const KEEP = 3;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cb-log-file-"));
  dirs.push(dir);
  return dir;
}

async function open(dir: string, rotation: LogRotation | undefined, scrubber = new SecretScrubber()): Promise<ServiceLogger & { file: LogFile }> {
  const file = await LogFile.open({ dir, rotation });
  return { ...createLogger({ level: "info", scrubber, stdout: false, file }), file };
}

/** Logs `count` lines numbered from `from`, a few at a time, each few written before the next (so the file can roll between them). */
async function writeLines(log: ServiceLogger, dir: string, from: number, count: number): Promise<void> {
  for (let seq = from; seq < from + count; seq++) {
    // The secret in the message, in an error and in a field: the scrubber must take it out of all three.
    log.logger.info({ seq, err: new Error(`call with ${SECRET} failed`), token_copy: SECRET }, `line ${seq} with ${SECRET}`);
    if (seq % 4 === 3 || seq === from + count - 1) await until(() => logFilesText(dir).includes(`"seq":${seq},`));
  }
}

describe("log file with rotation", () => {
  it("rolls by size, keeps at most LOG_ROTATE_KEEP files, the newest lines whole, and never a secret", async () => {
    const dir = tempDir();
    const scrubber = new SecretScrubber();
    const log = await open(dir, { sizeBytes: SIZE, keep: KEEP, interval: "off" }, scrubber);
    // Learnt after the logger was built, as a bot's token is while bots load.
    scrubber.add(SECRET);
    await writeLines(log, dir, 0, 120);
    await log.close();

    const names = await until(() => (logFileNames(dir).length <= KEEP ? logFileNames(dir) : undefined));
    expect(names.every((name) => /^bots\.\d+\.log$/.test(name))).toBe(true);
    // Rolled more often than files are kept: the oldest were deleted.
    expect(Math.max(...names.map((name) => Number(name.split(".")[1])))).toBeGreaterThan(KEEP);
    expect(readlinkSync(path.join(dir, "current.log"))).toBe(names.at(-1));

    const text = logFilesText(dir);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET.slice(SECRET.indexOf(":") + 1));
    const lines = logFileLines(dir);
    expect(lines[0]).toMatchObject({ msg: expect.stringMatching(/^line \d+ with \[redacted\]$/) as unknown, token_copy: "[redacted]" });
    // What is kept is the newest lines, none missing, the last one written included.
    const seqs = lines.map((line) => line.seq as number);
    const first = seqs[0] ?? -1;
    expect(seqs).toEqual(Array.from({ length: 120 - first }, (_, i) => first + i));
  });

  it("counts the files of an earlier run against LOG_ROTATE_KEEP, so restarts do not pile them up", async () => {
    const dir = tempDir();
    const rotation: LogRotation = { sizeBytes: SIZE, keep: KEEP, interval: "off" };
    for (let run = 0; run < 3; run++) {
      const log = await open(dir, rotation);
      await writeLines(log, dir, run * 100, 60);
      await log.close();
    }
    // Each run rolled more often than files are kept; what is left is at most KEEP files, the
    // newest, the last run's last line in the last of them.
    const names = await until(() => (logFileNames(dir).length <= KEEP ? logFileNames(dir) : undefined));
    expect(Math.max(...names.map((name) => Number(name.split(".")[1])))).toBeGreaterThan(KEEP);
    expect(logFileLines(dir).at(-1)).toMatchObject({ seq: 259 });
  });

  it("with LOG_ROTATE_INTERVAL=daily names each file by its day, and links current.log to the one being written", async () => {
    const dir = tempDir();
    const before = localDate();
    const log = await open(dir, { sizeBytes: SIZE, keep: KEEP, interval: "daily" });
    await writeLines(log, dir, 0, 1);
    await log.close();
    const current = readlinkSync(path.join(dir, "current.log"));
    expect([`bots.${before}.1.log`, `bots.${localDate()}.1.log`]).toContain(current);
    expect(log.logFile).toBe(path.join(dir, current));
  });
});

describe("opening the log file", () => {
  it("stops the start with a ConfigError naming LOG_DIR when the folder cannot be made", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "a-file"), "");
    const logDir = path.join(dir, "a-file", "logs");
    await expect(LogFile.open({ dir: logDir, rotation: undefined })).rejects.toThrow(ConfigError);
    await expect(LogFile.open({ dir: logDir, rotation: { sizeBytes: SIZE, keep: KEEP, interval: "off" } })).rejects.toThrow(`LOG_DIR="${logDir}": the log file cannot be written there (ENOTDIR)`);
  });
});

describe("log file without rotation", () => {
  it("writes bots.log, and after logrotate moved it goes on in a new bots.log once reopened", async () => {
    const dir = tempDir();
    const log = await open(dir, undefined);
    expect(log.logFile).toBe(path.join(dir, "bots.log"));
    log.logger.info({ seq: 1 }, "before the move");
    await until(() => logFilesText(dir).includes('"seq":1,'));
    renameSync(path.join(dir, "bots.log"), path.join(dir, "bots.log.1"));
    log.reopen?.();
    await until(() => existsSync(path.join(dir, "bots.log")));
    log.logger.info({ seq: 2 }, "after the move");
    await log.close();
    expect(readFileSync(path.join(dir, "bots.log.1"), "utf8")).toContain("before the move");
    expect(readFileSync(path.join(dir, "bots.log"), "utf8")).toContain("after the move");
    expect(existsSync(path.join(dir, "current.log"))).toBe(false);
  });

  it("has nothing to reopen when pino-roll rotates the file", async () => {
    const log = await open(tempDir(), { sizeBytes: SIZE, keep: KEEP, interval: "off" });
    expect(log.reopen).toBeUndefined();
    await log.close();
  });
});

function localDate(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}
