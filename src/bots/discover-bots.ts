/**
 * Discovery: walks BOTS_DIR and describes what it finds, without importing anything. Loading is a
 * separate step (load-bot.ts), so discovery can be listed by the CLI and tested on plain folders.
 */
import { readdirSync, type Dirent } from "node:fs";
import { stat } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { ConfigError } from "../errors/config-error.ts";
import path from "node:path";
import { compareCodePoints, isFallbackFile, sortForMounting } from "./mount-order.ts";

export interface HandlerFile {
  /** File name inside `handlers/`. */
  name: string;
  path: string;
  fallback: boolean;
}

export interface BotFolder {
  /** Folder name inside BOTS_DIR. */
  folderName: string;
  dir: string;
  configFile: string | undefined;
  envFile: string | undefined;
  /** In mount order: regular files, then fallbacks. */
  handlerFiles: HandlerFile[];
}

/** Folders described between two turns of the event loop. */
const FOLDERS_PER_TURN = 50;

const CONFIG_FILES = ["config.ts", "config.js", "config.mts", "config.mjs"];
const HANDLER_EXTENSIONS = [".ts", ".js", ".mts", ".mjs"];

/**
 * A handler module is a `.ts`/`.js` (or `.mts`/`.mjs`) file directly in `handlers/`; declaration
 * files, tests and names starting with `_` or `.` (helpers kept beside handlers) are not.
 */
export function isHandlerFileName(name: string): boolean {
  if (name.startsWith("_") || name.startsWith(".")) return false;
  if (name.endsWith(".d.ts") || /\.(test|spec)\.[mc]?[jt]s$/.test(name)) return false;
  return HANDLER_EXTENSIONS.some((ext) => name.endsWith(ext));
}

/**
 * Synchronous: a bot folder is two small directories, listed several times faster without the
 * thread pool; discoverBots yields between folders (below), so a rescan while the service runs
 * does not hold up updates.
 */
function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw error;
  }
}

/** Describes one folder; `undefined` when it is not a bot (no config file and no `.env`). */
export async function describeBotFolder(dir: string): Promise<BotFolder | undefined> {
  const entries = listDir(dir);
  const files = new Set(entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name));
  const configName = CONFIG_FILES.find((name) => files.has(name));
  const hasEnv = files.has(".env");
  if (configName === undefined && !hasEnv) return undefined;

  const handlersDir = path.join(dir, "handlers");
  const handlerNames = listDir(handlersDir)
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && isHandlerFileName(e.name))
    .map((e) => e.name);
  return {
    folderName: path.basename(dir),
    dir,
    configFile: configName === undefined ? undefined : path.join(dir, configName),
    envFile: hasEnv ? path.join(dir, ".env") : undefined,
    handlerFiles: sortForMounting(handlerNames).map((name) => ({
      name,
      path: path.join(handlersDir, name),
      fallback: isFallbackFile(name),
    })),
  };
}

/**
 * Every bot folder in `botsDir`, in code-point order of folder names. A `botsDir` that does not
 * exist (or is not a folder) is a configuration error naming BOTS_DIR: a service with no bots
 * because of a typo would otherwise start and call itself ready.
 */
export async function discoverBots(botsDir: string): Promise<BotFolder[]> {
  const root = path.resolve(botsDir);
  const found = await stat(root).catch(() => undefined);
  if (found === undefined || !found.isDirectory()) {
    const what = found === undefined ? "does not exist" : "is not a folder";
    throw new ConfigError(`BOTS_DIR=${JSON.stringify(botsDir)} ${what} (${root}): point BOTS_DIR at the folder that holds one folder per bot`);
  }
  const entries = listDir(root);
  const candidates = entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith("_") && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort(compareCodePoints);
  // One folder after the other, not all at once: at 10,000 folders, 20,000 listings in flight
  // through the thread pool grew the process by 76-105 MB in the live-reload catch-up after the
  // start (one such pass), against 11-40 MB now. Other work gets a turn every FOLDERS_PER_TURN.
  const described: BotFolder[] = [];
  for (const [i, name] of candidates.entries()) {
    const folder = await describeBotFolder(path.join(root, name));
    if (folder !== undefined) described.push(folder);
    if (i % FOLDERS_PER_TURN === FOLDERS_PER_TURN - 1) await nextTurn();
  }
  return described;
}
