/**
 * A grammY session StorageAdapter over an ioredis client: JSON values under one key prefix (one
 * bot's namespace), with an optional TTL renewed on every write. The caller owns the connection.
 */
import type { StorageAdapter } from "grammy";
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";

export interface RedisSessionStorageOptions {
  redis: Redis | Cluster;
  /** Prepended to every session key; see sessionKeyPrefix(). */
  keyPrefix: string;
  /** Expire a session this long after its last write (0 or unset: never). */
  ttlSeconds?: number;
  /** Told about a stored value that is not JSON (the session then starts empty). */
  logger?: Logger;
}

export class RedisSessionStorage<T> implements StorageAdapter<T> {
  constructor(private readonly options: RedisSessionStorageOptions) {}

  async read(key: string): Promise<T | undefined> {
    const fullKey = this.options.keyPrefix + key;
    const raw = await this.options.redis.get(fullKey);
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch (error) {
      // Failing here would fail every update of this chat forever; starting over is the lesser harm.
      // The value goes, so that "undefined" always means "nothing stored" (dropEmptySessions relies on it).
      this.options.logger?.warn({ key: fullKey, err: error }, "session value is not JSON, starting an empty session");
      await this.options.redis.del(fullKey);
      return undefined;
    }
  }

  async write(key: string, value: T): Promise<void> {
    const fullKey = this.options.keyPrefix + key;
    const json = JSON.stringify(value);
    const ttl = this.options.ttlSeconds ?? 0;
    if (ttl > 0) await this.options.redis.set(fullKey, json, "EX", ttl);
    else await this.options.redis.set(fullKey, json);
  }

  async delete(key: string): Promise<void> {
    await this.options.redis.del(this.options.keyPrefix + key);
  }

  async has(key: string): Promise<boolean> {
    return (await this.options.redis.exists(this.options.keyPrefix + key)) === 1;
  }
}
