/**
 * What a bot folder holds, as one digest: the content of its code, config and `.env` files
 * (fleet-settings.ts says which), so a rescan reloads only folders whose code changed, and an edit
 * undone before the debounce ran reloads nothing. Content rather than modification times: two
 * saves within the file system's clock tick, of the same size, still differ.
 *
 * Synchronous: a folder is a few small files, read several times faster without the thread
 * pool. Through it (four round trips per file), the digests of 10,000 folders at start took about
 * 4 s of the main thread, while the bots' getMe calls waited for it (docs/performance.md).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, type Dirent } from "node:fs";
import path from "node:path";
import { IGNORED_DIRS, WATCHED_FILE } from "./fleet-settings.ts";

function listFiles(dir: string, relative: string, into: string[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(path.join(dir, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const name = path.join(relative, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && !IGNORED_DIRS.has(entry.name)) listFiles(dir, name, into);
    } else if (WATCHED_FILE.test(entry.name)) {
      into.push(name);
    }
  }
}

function readContent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The digest of the folder's watched files, or undefined when it holds none (or is gone). */
export function fingerprintFolder(dir: string): string | undefined {
  const files: string[] = [];
  listFiles(dir, "", files);
  if (files.length === 0) return undefined;
  files.sort();
  const hash = createHash("sha256");
  for (const file of files) {
    const content = readContent(path.join(dir, file));
    hash.update(file).update("\0").update(content === undefined ? "-" : String(content.length)).update("\0");
    if (content !== undefined) hash.update(content);
  }
  return hash.digest("base64url");
}

/**
 * The digest of every folder of BOTS_DIR (bot folders and shared `_name/` ones) by name, taken
 * before the start reads them: an edit made while the process starts then differs from it, and
 * the catch-up after the watcher is up (FleetReloader.catchUp) loads it.
 */
export function fingerprintBotsDir(botsDir: string): Map<string, string | undefined> {
  const root = path.resolve(botsDir);
  const prints = new Map<string, string | undefined>();
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return prints;
  }
  for (const entry of entries) {
    if ((entry.isDirectory() || entry.isSymbolicLink()) && !entry.name.startsWith(".")) prints.set(entry.name, fingerprintFolder(path.join(root, entry.name)));
  }
  return prints;
}
