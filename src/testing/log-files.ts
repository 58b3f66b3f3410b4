/** What a process left in its LOG_DIR: the log files (rotated and current, not the current.log link) and their lines. */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { LogLine } from "./log-capture.ts";

/** Names of the regular files in `dir`, oldest first (numbers in names compared as numbers). */
export function logFileNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => lstatSync(path.join(dir, name)).isFile())
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/** Every file's text, one after another. */
export function logFilesText(dir: string): string {
  return logFileNames(dir)
    .map((name) => readFileSync(path.join(dir, name), "utf8"))
    .join("");
}

/** Every line of every file, parsed. */
export function logFileLines(dir: string): LogLine[] {
  return logFilesText(dir)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LogLine);
}
