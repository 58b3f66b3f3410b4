/**
 * The Redis the queue suite runs against (BENCH_REDIS_URL): one server, or with
 * BENCH_REDIS_CLUSTER=true every master of the Redis Cluster that URL is a node of. Gives the
 * probe that measurements read (command counters summed over the servers, and per shard on a
 * cluster, the CPU of those running on this machine), how a run's keys sit on the shards, and
 * deletes a run's keys on every shard.
 */
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { redisMasterUrls } from "../../src/testing/redis.ts";

export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
/** BENCH_REDIS_URL is one node of a Redis Cluster: the service and the baselines run on all of it. */
export const BENCH_REDIS_CLUSTER = process.env.BENCH_REDIS_CLUSTER === "true";

/** `url` as it may be printed: a password in it becomes `***`. */
export function printableRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export interface Shard {
  /** host:port of the master. */
  address: string;
  redis: Redis;
}

async function scanAll(redis: Redis, pattern: string, each: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await each(keys);
  } while (cursor !== "0");
}

async function callsOf(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const match of (await redis.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1] as string, Number(match[2]));
  return calls;
}

export class BenchRedis {
  private constructor(
    /** Every master (the one server when it is no cluster), in a fixed order. */
    readonly shards: readonly Shard[],
    readonly cluster: boolean,
  ) {}

  static async open(url: string, cluster: boolean): Promise<BenchRedis> {
    const urls = cluster ? await redisMasterUrls(url) : [url];
    const shards = urls.map((nodeUrl) => {
      const redis = new Redis(nodeUrl, { maxRetriesPerRequest: 1 });
      redis.on("error", () => undefined);
      return { address: new URL(nodeUrl).host, redis };
    });
    return new BenchRedis(shards, cluster);
  }

  /** What measureDelivery reads before and after a measurement (RedisProbe). */
  async probe(): Promise<{ pids: number[]; commandCalls(): Promise<Map<string, number>>; callsByShard?(): Promise<number[]> }> {
    const pids: number[] = [];
    for (const shard of this.shards) {
      const info = await shard.redis.info("server").catch(() => "");
      const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
      // Counted only when it runs here: a pid of another machine would name some local process.
      if (Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}/stat`) && /^(127\.|localhost|\[::1\])/.test(shard.address)) pids.push(pid);
    }
    const commandCalls = async () => {
      const total = new Map<string, number>();
      for (const shard of this.shards) for (const [command, n] of await callsOf(shard.redis)) total.set(command, (total.get(command) ?? 0) + n);
      return total;
    };
    const callsByShard = async () => {
      const calls: number[] = [];
      for (const shard of this.shards) calls.push([...(await callsOf(shard.redis)).values()].reduce((sum, n) => sum + n, 0));
      return calls;
    };
    return this.cluster ? { pids, commandCalls, callsByShard } : { pids, commandCalls };
  }

  /** How many keys holding `marker` each shard has. */
  async keysByShard(marker: string): Promise<number[]> {
    const counts: number[] = [];
    for (const shard of this.shards) {
      let count = 0;
      await scanAll(shard.redis, `*${marker}*`, async (keys) => {
        count += keys.length;
      });
      counts.push(count);
    }
    return counts;
  }

  /** Deletes every key holding `marker` on every shard, one key per command (a cluster's DEL stays in one slot). */
  async deleteKeys(marker: string): Promise<number> {
    let deleted = 0;
    for (const shard of this.shards) {
      await scanAll(shard.redis, `*${marker}*`, async (keys) => {
        const pipeline = shard.redis.pipeline();
        for (const key of keys) pipeline.del(key);
        for (const [error, n] of (await pipeline.exec()) ?? []) if (error === null) deleted += Number(n);
      });
    }
    return deleted;
  }

  close(): void {
    for (const shard of this.shards) shard.redis.disconnect();
  }
}
