/**
 * The embedded default's side of `botStorage()`: one bot's namespace in the local store (keys
 * `[bot, "plugin:<namespace>", key]`, apart from its sessions), or in memory with
 * DURABILITY=memory (one store per bot and namespace, kept for the life of the process).
 */
import { MemorySessionStorage, type StorageAdapter } from "grammy";
import type { LocalStore } from "./local-store.ts";
import { StoredValues } from "./stored-values.ts";

export function localBotStorage(store: LocalStore | undefined): (botName: string, namespace: string) => StorageAdapter<unknown> {
  const inMemory = new Map<string, StorageAdapter<unknown>>();
  return (botName, namespace) => {
    if (store !== undefined) return new StoredValues<unknown>(store, { bot: botName, namespace: `plugin:${namespace}` });
    const key = `${botName}\u0000${namespace}`;
    let storage = inMemory.get(key);
    if (storage === undefined) {
      storage = new MemorySessionStorage<unknown>();
      inMemory.set(key, storage);
    }
    return storage;
  };
}
