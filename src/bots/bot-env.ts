/**
 * Per-bot environment. A bot's `.env` is never merged into `process.env` (one bot's secrets stay
 * invisible to the others); its values are handed to that bot's own code through `botEnv()` and
 * `ctx.env`. The engine registers each bot folder here before importing its code.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export type BotEnv = Readonly<Record<string, string>>;

const envByDir = new Map<string, BotEnv>();
const nameByDir = new Map<string, string>();

/** Engine side: makes `env` visible to the code under `dir`. */
export function registerBotEnv(dir: string, env: BotEnv): void {
  envByDir.set(path.resolve(dir), Object.freeze({ ...env }));
}

export function unregisterBotEnv(dir: string): void {
  envByDir.delete(path.resolve(dir));
  nameByDir.delete(path.resolve(dir));
}

/** Engine side: the bot folder `dir` is the bot `name` (known once its config was read). */
export function registerBotName(dir: string, name: string): void {
  nameByDir.set(path.resolve(dir), name);
}

/** The registered folder that holds `moduleUrl`, walking up from the module. */
function botFolderOf(moduleUrl: string, caller: string): string {
  const file = moduleUrl.startsWith("file:") ? fileURLToPath(moduleUrl) : path.resolve(moduleUrl);
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (envByDir.has(dir)) return dir;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`${caller}: ${file} is not inside a bot folder loaded by the engine`);
}

/** The BOT_NAME of the bot folder that holds `moduleUrl`. */
export function botNameOf(moduleUrl: string): string {
  const dir = botFolderOf(moduleUrl, "botStorage()");
  const name = nameByDir.get(dir);
  if (name === undefined) throw new Error(`botStorage(): the bot in ${dir} has no BOT_NAME yet (call it from a handler or service module, not from config.ts)`);
  return name;
}

/**
 * The variables of the `.env` in the bot folder that holds the calling module.
 *
 * @param moduleUrl `import.meta.url` of the caller (a file anywhere under `bots/<name>/`).
 * @example
 * ```ts
 * import { botEnv } from "clustered-bots";
 * const CORE_API = botEnv(import.meta.url).CORE_API ?? "http://localhost:8000";
 * ```
 * @throws Error when the module is not inside a bot folder the engine has loaded.
 */
export function botEnv(moduleUrl: string): BotEnv {
  // The nearest registered folder above the module is its bot.
  return envByDir.get(botFolderOf(moduleUrl, "botEnv()")) ?? {};
}

/** What the folder `dir` is registered with now, to put back if a newer version fails to load. */
export interface BotEnvSnapshot {
  env: BotEnv | undefined;
  name: string | undefined;
}

export function snapshotBotEnv(dir: string): BotEnvSnapshot {
  const key = path.resolve(dir);
  return { env: envByDir.get(key), name: nameByDir.get(key) };
}

export function restoreBotEnv(dir: string, snapshot: BotEnvSnapshot): void {
  const key = path.resolve(dir);
  if (snapshot.env === undefined) envByDir.delete(key);
  else envByDir.set(key, snapshot.env);
  if (snapshot.name === undefined) nameByDir.delete(key);
  else nameByDir.set(key, snapshot.name);
}
