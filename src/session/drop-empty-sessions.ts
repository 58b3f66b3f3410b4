/**
 * grammY writes the initial `{}` back for every chat it sees, touched or not. Storing an empty
 * session as "no session" keeps storage to the chats that hold something (a read of a missing
 * key gives `{}` again) and frees the key when a handler clears its session. A session that was
 * absent when read and is still empty at the end is not written at all: there is nothing to
 * delete, and in queue mode that saves a Redis round trip per update of every such chat.
 * (Updates of one chat run one at a time, so nothing else writes the key in between.)
 */
import type { StorageAdapter } from "grammy";
import type { SessionData } from "./session-data.ts";

/** Keys remembered as absent at most; past it the memory starts over (costing a needless delete, no more). */
const MAX_REMEMBERED_ABSENT = 10_000;

function isEmpty(value: SessionData): boolean {
  for (const _key in value) return false;
  return true;
}

/** `storage.read` must answer undefined only when the key holds nothing (see RedisSessionStorage). */
export function dropEmptySessions(storage: StorageAdapter<SessionData>): StorageAdapter<SessionData> {
  const absent = new Set<string>();
  return {
    async read(key) {
      const value = await storage.read(key);
      if (value !== undefined) absent.delete(key);
      else {
        if (absent.size >= MAX_REMEMBERED_ABSENT) absent.clear();
        absent.add(key);
      }
      return value;
    },
    async write(key, value) {
      const wasAbsent = absent.delete(key);
      if (!isEmpty(value)) return storage.write(key, value);
      if (!wasAbsent) return storage.delete(key);
    },
    delete(key) {
      absent.delete(key);
      return storage.delete(key);
    },
  };
}
