/**
 * What a bot folder holds, as one digest: the content of its code, config and `.env` files
 * (fleet-settings.ts says which), so a rescan reloads only folders whose code changed, and an edit
 * undone before the debounce ran reloads nothing. Content rather than modification times: two
 * saves within the file system's clock tick, of the same size, still differ.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { IGNORED_DIRS, WATCHED_FILE } from "./fleet-settings.ts";

async function listFiles(dir: string, relative: string, into: string[]): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(path.join(dir, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const name = path.join(relative, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && !IGNORED_DIRS.has(entry.name)) await listFiles(dir, name, into);
    } else if (WATCHED_FILE.test(entry.name)) {
      into.push(name);
    }
  }
}

/** The digest of the folder's watched files, or undefined when it holds none (or is gone). */
export async function fingerprintFolder(dir: string): Promise<string | undefined> {
  const files: string[] = [];
  await listFiles(dir, "", files);
  if (files.length === 0) return undefined;
  files.sort();
  const hash = createHash("sha256");
  for (const file of files) {
    const content = await readFile(path.join(dir, file)).catch(() => undefined);
    hash.update(file).update("\0").update(content === undefined ? "-" : String(content.length)).update("\0");
    if (content !== undefined) hash.update(content);
  }
  return hash.digest("base64url");
}
