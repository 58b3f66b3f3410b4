/**
 * Which grammY a bot folder has installed, against the service's. Every bot gets the service's
 * grammY, wherever its folder is and whatever it installed (bot-module-resolver.mjs,
 * engine-require-redirect.ts): one grammY per process, so `instanceof` holds between the engine,
 * the bots and their plugins. A folder that installed another major of it is told at start
 * (GRAMMY_VERSION_MISMATCH), since its code runs on the service's version, not the one it asked for.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export interface InstalledGrammy {
  /** The package's folder (`.../node_modules/grammy`). */
  dir: string;
  version: string;
}

function readInstalled(dir: string): InstalledGrammy | undefined {
  const packageDir = path.join(dir, "node_modules", "grammy");
  try {
    const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version?: unknown };
    return typeof manifest.version === "string" ? { dir: packageDir, version: manifest.version } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The grammy package plain Node would load for code in a folder: the first `node_modules/grammy`
 * walking up from it. Answers are kept per folder, so a thousand bots under one BOTS_DIR read the
 * shared folders above them once.
 */
export class GrammyLookup {
  private readonly byDir = new Map<string, InstalledGrammy | null>();

  find(dir: string): InstalledGrammy | undefined {
    const resolved = path.resolve(dir);
    const known = this.byDir.get(resolved);
    if (known !== undefined) return known ?? undefined;
    const parent = path.dirname(resolved);
    const found = readInstalled(resolved) ?? (parent === resolved ? undefined : this.find(parent));
    this.byDir.set(resolved, found ?? null);
    return found;
  }
}

/** The major of a version as semver counts it: `1` for 1.46.0, `0.6` for 0.6.0. */
export function compatibleMajor(version: string): string {
  const [major = "", minor = ""] = version.split(".");
  return major === "0" ? `0.${minor}` : major;
}

export interface GrammyMismatch {
  folderGrammy: InstalledGrammy;
  /** Bot folders (names) whose nearest grammy is that copy. */
  folders: string[];
}

/**
 * The grammy copies of other majors than `service` that plain Node would give the bot folders,
 * each with the folders it would be given to.
 */
export function grammyMismatches(folders: ReadonlyArray<{ folderName: string; dir: string }>, service: InstalledGrammy, lookup = new GrammyLookup()): GrammyMismatch[] {
  const byCopy = new Map<string, GrammyMismatch>();
  for (const folder of folders) {
    const own = lookup.find(folder.dir);
    if (own === undefined || own.dir === service.dir || compatibleMajor(own.version) === compatibleMajor(service.version)) continue;
    const entry = byCopy.get(own.dir) ?? { folderGrammy: own, folders: [] };
    entry.folders.push(folder.folderName);
    byCopy.set(own.dir, entry);
  }
  return [...byCopy.values()];
}
