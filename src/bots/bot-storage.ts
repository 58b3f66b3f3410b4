/**
 * One storage per bot that follows the mode, for grammY plugins that keep state (conversations, a
 * session of your own, the rate limiter): the embedded default's durable local store, Redis in
 * queue mode (so any worker serves the chat), memory with DURABILITY=memory. Namespaced by bot and
 * by the name you give, so nothing collides and no bot reads another's. The process's composition
 * root says where it lives before any bot code is imported.
 */
import type { StorageAdapter } from "grammy";
import { botNameOf } from "./bot-env.ts";

/** Makes the storage of one bot's namespace. */
export type BotStorageProvider = (botName: string, namespace: string) => StorageAdapter<unknown>;

let provider: BotStorageProvider | undefined;

/** Engine side: where this process's bot storage lives (set once, before bots load). */
export function setBotStorageProvider(next: BotStorageProvider | undefined): void {
  provider = next;
}

const NAMESPACE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A grammY `StorageAdapter` for the bot that holds the calling module (or handles `ctx`), in
 * `namespace`.
 *
 * @param where `import.meta.url` of a module under the bot's folder (at import time, where
 *   plugins are set up), or the bot's context (per update).
 * @param namespace the plugin's name, e.g. `"conversations"`: letters, digits, `_`, `.`, `-`, not
 *   starting with `_` (the engine's).
 * @example
 * ```ts
 * import { conversations } from "@grammyjs/conversations";
 * import { botStorage } from "clustered-bots";
 * composer.use(conversations({ storage: botStorage(import.meta.url, "conversations") }));
 * ```
 */
export function botStorage<T>(where: string | { botName: string }, namespace: string): StorageAdapter<T> {
  if (!NAMESPACE.test(namespace)) throw new Error(`botStorage(): namespace must be 1-64 letters, digits, '_', '.' or '-', got ${JSON.stringify(namespace)}`);
  if (namespace.startsWith("_")) throw new Error(`botStorage(): a namespace starting with '_' is the engine's own (got ${JSON.stringify(namespace)}); pick another name`);
  const botName = typeof where === "string" ? botNameOf(where) : where.botName;
  if (provider === undefined) throw new Error("botStorage(): no storage in this process (the engine sets it before it loads bots)");
  return provider(botName, namespace) as StorageAdapter<T>;
}
