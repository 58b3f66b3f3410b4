/**
 * grammY writes the initial `{}` back for every chat it sees, touched or not. Storing an empty
 * session as "no session" keeps storage to the chats that hold something (a read of a missing
 * key gives `{}` again) and frees the key when a handler clears its session.
 */
import type { StorageAdapter } from "grammy";
import type { SessionData } from "./session-data.ts";

function isEmpty(value: SessionData): boolean {
  for (const _key in value) return false;
  return true;
}

export function dropEmptySessions(storage: StorageAdapter<SessionData>): StorageAdapter<SessionData> {
  return {
    read: (key) => storage.read(key),
    write: (key, value) => (isEmpty(value) ? storage.delete(key) : storage.write(key, value)),
    delete: (key) => storage.delete(key),
  };
}
