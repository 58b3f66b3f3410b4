/**
 * The lifetime of each loaded version of a bot folder, for the bot's own resources: a module
 * calls `botRetired(import.meta.url)` and gets an AbortSignal that is aborted when its version is
 * retired (replaced by a reload and its updates finished, removed, or failed to load). Timers,
 * sockets and clients a module opens at import time are closed on it, so that 200 reloads do not
 * leave 200 intervals running. The engine opens a version's lifetime before importing its code.
 */
import { setMaxListeners } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Per folder, the lifetime of the version whose code is being imported or was imported last. */
const lifetimes = new Map<string, AbortController>();

/**
 * Engine side: the lifetime of a new version of the folder `dir`, opened before its code is
 * imported (loads of one folder run one at a time, so the modules it imports take this one).
 */
export function openBotLifetime(dir: string): { controller: AbortController; before: AbortController | undefined } {
  const key = path.resolve(dir);
  const before = lifetimes.get(key);
  const controller = new AbortController();
  // Every module of a bot may listen to it.
  setMaxListeners(0, controller.signal);
  lifetimes.set(key, controller);
  return { controller, before };
}

/** Engine side: a version that did not load is closed, and the folder's modules get the serving version's lifetime again. */
export function abandonBotLifetime(dir: string, opened: { controller: AbortController; before: AbortController | undefined }): void {
  const key = path.resolve(dir);
  if (lifetimes.get(key) === opened.controller) {
    if (opened.before === undefined || opened.before.signal.aborted) lifetimes.delete(key);
    else lifetimes.set(key, opened.before);
  }
  opened.controller.abort();
}

/** Engine side: the version is retired; its signal aborts. */
export function closeBotLifetime(dir: string, controller: AbortController): void {
  const key = path.resolve(dir);
  if (lifetimes.get(key) === controller) lifetimes.delete(key);
  controller.abort();
}

/**
 * Aborted when the version of the bot that holds `moduleUrl` is retired: close on it what the
 * module opened. Call it at import time, from a module of a bot folder (a reload imports the
 * folder's modules afresh, and each import takes the signal of the version it belongs to).
 *
 * @param moduleUrl `import.meta.url` of the caller (a file under `bots/<name>/`).
 * @example
 * ```ts
 * import { botRetired } from "clustered-bots";
 * const timer = setInterval(refreshPrices, 60_000);
 * botRetired(import.meta.url).addEventListener("abort", () => clearInterval(timer));
 * ```
 * @throws Error when the module is not inside a bot folder the engine is loading or serving.
 */
export function botRetired(moduleUrl: string): AbortSignal {
  const file = moduleUrl.startsWith("file:") ? fileURLToPath(moduleUrl) : path.resolve(moduleUrl);
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const controller = lifetimes.get(dir);
    if (controller !== undefined) return controller.signal;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`botRetired(): ${file} is not a module of a bot folder the engine is loading or serving (a shared module: take the signal in the bot module that uses it)`);
}
