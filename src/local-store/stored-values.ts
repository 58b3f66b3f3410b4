/**
 * A grammY StorageAdapter over the local store, for one bot and one namespace (its sessions, a
 * plugin's state): keys are [bot, namespace, key], so no bot reads another's and no plugin
 * another's. Values survive a restart; with a TTL a value not written for that long reads as
 * absent and is removed when read.
 */
import type { StorageAdapter } from "grammy";
import type { LocalStore } from "./local-store.ts";

interface Stored<T> {
  value: T;
  /** Epoch ms after which the value is gone; absent: kept. */
  expiresAt?: number;
}

export class StoredValues<T> implements StorageAdapter<T> {
  constructor(
    private readonly store: LocalStore,
    private readonly scope: { bot: string; namespace: string; ttlSeconds?: number },
  ) {}

  read(key: string): T | undefined {
    if (this.store.closed) throw new Error("the local store is closed (the service is shutting down)");
    const id = this.id(key);
    const stored = this.store.dbs.kv.get(id) as Stored<T> | undefined;
    if (stored === undefined) return undefined;
    if (stored.expiresAt !== undefined && stored.expiresAt <= Date.now()) {
      void this.store.dbs.kv.remove(id).catch(() => undefined);
      return undefined;
    }
    return stored.value;
  }

  async write(key: string, value: T): Promise<void> {
    if (this.store.closed) throw new Error("the local store is closed (the service is shutting down)");
    const ttl = this.scope.ttlSeconds ?? 0;
    const stored: Stored<T> = ttl > 0 ? { value, expiresAt: Date.now() + ttl * 1000 } : { value };
    await this.store.dbs.kv.put(this.id(key), stored);
  }

  async delete(key: string): Promise<void> {
    if (this.store.closed) throw new Error("the local store is closed (the service is shutting down)");
    await this.store.dbs.kv.remove(this.id(key));
  }

  has(key: string): boolean {
    return this.read(key) !== undefined;
  }

  private id(key: string): [string, string, string] {
    return [this.scope.bot, this.scope.namespace, key];
  }
}
