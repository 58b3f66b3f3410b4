/** What a process left in its LOG_DIR: the log files (rotated and current, not the current.log link) and their lines. */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { LogLine } from "./log-capture.ts";

/** `fn` of a file that rotation may remove between the listing and the read: undefined then. */
function unlessRemoved<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Names of the regular files in `dir`, oldest first (numbers in names compared as numbers). */
export function logFileNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => unlessRemoved(() => lstatSync(path.join(dir, name)).isFile()) === true)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/** Every file's text, one after another (a file the running process's rotation removed meanwhile counts as empty). */
export function logFilesText(dir: string): string {
  return logFileNames(dir)
    .map((name) => unlessRemoved(() => readFileSync(path.join(dir, name), "utf8")) ?? "")
    .join("");
}

/** Every line of every file, parsed. */
export function logFileLines(dir: string): LogLine[] {
  return logFilesText(dir)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LogLine);
}
