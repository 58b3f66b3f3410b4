/**
 * Redis for tests, one helper for all of them: the shared server on 127.0.0.1:6379 (or
 * TEST_REDIS_URL) with a unique key prefix per test (its keys deleted afterwards, never FLUSHALL),
 * and a private redis-server on a free port for tests that kill and restart Redis. Without Redis
 * the tests are skipped with the reason, except under CI=true, where a missing Redis fails them.
 * Key deletion works on a Redis Cluster node too (every master); the private cluster itself is
 * redis-cluster.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.ts";

export { freePort };

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** True when a Redis answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Why the queue tests cannot run here, or undefined when Redis answers. Throws under CI=true. */
export async function redisSkipReason(): Promise<string | undefined> {
  if (await redisAnswers(SHARED_REDIS_URL)) return undefined;
  const reason = `no Redis answers on ${SHARED_REDIS_URL} (start redis-server, or run .ci/run)`;
  if (process.env.CI === "true") throw new Error(`queue-mode tests need Redis under CI=true: ${reason}`);
  return reason;
}

/** A fresh key prefix: letters, digits and '-' (valid for QUEUE_PREFIX). */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomBytes(4).toString("hex")}`;
}

/** The URLs of a cluster's masters, as the node at `redis` knows them; just `url` when it is no cluster node. */
async function masterUrls(redis: Redis, url: string): Promise<string[]> {
  const info = await redis.info("cluster");
  if (!info.includes("cluster_enabled:1")) return [url];
  const nodes = String(await redis.cluster("NODES"));
  const masters: string[] = [];
  for (const line of nodes.split("\n")) {
    // "<id> <ip>:<port>@<bus>[,<hostname>] <flags> ...", flags such as "myself,master".
    const [, address, flags] = line.split(" ");
    if (address === undefined || flags === undefined || !flags.split(",").includes("master")) continue;
    const hostPort = address.split("@")[0] ?? "";
    const target = new URL(url);
    target.host = hostPort;
    masters.push(target.toString());
  }
  return masters;
}

/** The URLs of the masters of the Redis Cluster that `url` is a node of; `[url]` for a Redis that is no cluster node. */
export async function redisMasterUrls(url: string): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  try {
    return await masterUrls(redis, url);
  } finally {
    redis.disconnect();
  }
}

/**
 * Deletes every key that holds `prefix` anywhere (`{prefix}:...` and `{prefix:N}:...` of a
 * deployment, `prefix:session:...` of a session store: a uniquePrefix is unique enough), and the
 * keys of `extraPatterns`. On a Redis Cluster node, on every master, one key per command (a
 * multi-key DEL must stay within one slot there).
 */
export async function deletePrefix(url: string, prefix: string, extraPatterns: readonly string[] = []): Promise<number> {
  const first = new Redis(url, { maxRetriesPerRequest: 1 });
  first.on("error", () => undefined);
  let deleted = 0;
  try {
    for (const nodeUrl of await masterUrls(first, url)) {
      const redis = nodeUrl === url ? first : new Redis(nodeUrl, { maxRetriesPerRequest: 1 });
      redis.on("error", () => undefined);
      try {
        for (const pattern of [`*${prefix}*`, ...extraPatterns]) {
          let cursor = "0";
          do {
            const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
            cursor = next;
            const pipeline = redis.pipeline();
            for (const key of keys) pipeline.del(key);
            for (const [error, count] of (await pipeline.exec()) ?? []) if (error === null) deleted += Number(count);
          } while (cursor !== "0");
        }
      } finally {
        if (redis !== first) redis.disconnect();
      }
    }
  } finally {
    first.disconnect();
  }
  return deleted;
}


export interface OwnRedis {
  url: string;
  /** SIGKILLs the server (what an OOM kill or a crashed host does). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data folder. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private redis-server on a free port that may be killed and restarted. It keeps an
 * append-only file fsynced on every write, as a queue-mode Redis must for "nothing accepted is
 * lost" to survive a Redis restart.
 */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "cb-redis-"));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  // Hang guard, not a speed limit: 30 s. A server that exits (its port taken) fails at once.
  const launch = async () => {
    const started = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir], { stdio: "ignore" });
    child = started;
    const deadline = Date.now() + 30_000;
    while (!(await redisAnswers(url, 200))) {
      if (started.exitCode !== null || started.signalCode !== null) throw new Error(`redis-server exited at start on port ${port} (port in use?)`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port} within 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const current = child;
    if (current === undefined || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once("exit", resolve));
    current.kill("SIGKILL");
    await exited;
  };
  await launch();
  return {
    url,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What one test file opens on the shared Redis: fresh prefixes, connections, and things to close
 * (queues, workers). `release()` (in afterAll) closes them, newest first, then deletes the keys.
 */
export class SharedRedisScope {
  private readonly prefixes: string[] = [];
  private readonly connections: Redis[] = [];
  private readonly closers: Array<() => Promise<unknown>> = [];

  /** A new deployment prefix and a connection for it (BullMQ wants maxRetriesPerRequest null). */
  open(label: string): { prefix: string; connection: Redis } {
    const prefix = uniquePrefix(label);
    this.prefixes.push(prefix);
    const connection = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: null });
    this.connections.push(connection);
    return { prefix, connection };
  }

  onRelease(...closers: Array<() => Promise<unknown>>): void {
    this.closers.push(...closers);
  }

  async release(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close();
    for (const connection of this.connections.splice(0)) connection.disconnect();
    for (const prefix of this.prefixes.splice(0)) await deletePrefix(SHARED_REDIS_URL, prefix);
  }
}
