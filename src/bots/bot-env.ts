/**
 * Per-bot environment. A bot's `.env` is never merged into `process.env` (one bot's secrets stay
 * invisible to the others); its values are handed to that bot's own code through `botEnv()` and
 * `ctx.env`. The engine registers each bot folder here before importing its code.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export type BotEnv = Readonly<Record<string, string>>;

const envByDir = new Map<string, BotEnv>();

/** Engine side: makes `env` visible to the code under `dir`. */
export function registerBotEnv(dir: string, env: BotEnv): void {
  envByDir.set(path.resolve(dir), Object.freeze({ ...env }));
}

export function unregisterBotEnv(dir: string): void {
  envByDir.delete(path.resolve(dir));
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
  const file = moduleUrl.startsWith("file:") ? fileURLToPath(moduleUrl) : path.resolve(moduleUrl);
  // Walk up from the module: the nearest registered folder is its bot.
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const env = envByDir.get(dir);
    if (env !== undefined) return env;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`botEnv(): ${file} is not inside a bot folder loaded by the engine`);
}
