/**
 * The live workers of a deployment, as each of them sees it. Every QUEUE_WORKER_HEARTBEAT_MS a
 * worker stamps its id in one sorted set with Redis's clock (workers' clocks may disagree), drops
 * the ids not stamped for QUEUE_WORKER_TIMEOUT_MS and reads the rest, all in one script. A worker
 * that stops takes its id out at once; one that dies drops out after the timeout. Whoever listens
 * hears the member list each time it changes.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import type { Logger } from "pino";
import { sleep } from "../telegram/backoff.ts";
import type { RedisConnection } from "./redis-connection.ts";

// KEYS: the set. ARGV: this worker's id, the timeout in ms. Returns the live ids.
const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local timeout = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - timeout)
redis.call('PEXPIRE', KEYS[1], timeout * 2)
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

/** Longest wait for Redis to take the id out when a worker stops (it drops out by timeout anyway). */
const LEAVE_TIMEOUT_MS = 1_000;

export interface WorkerMembershipOptions {
  redis: RedisConnection;
  /** The sorted set of the deployment's workers. */
  key: string;
  heartbeatMs: number;
  timeoutMs: number;
  logger: Logger;
  /** The live ids (this worker's among them), sorted, each time they change. */
  onMembers: (members: readonly string[]) => void;
  /** @defaultValue host, pid and a random suffix */
  id?: string;
}

// KEYS: the set. ARGV: the timeout in ms. Returns Redis's time in ms and the ids stamped within
// the timeout with their stamps. The time is read in the script so that it is the clock of the node
// holding the set: on a Redis Cluster a TIME of its own would go to any node, whose clock may differ.
const READ_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {now, redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf', 'WITHSCORES')}
`;

/** The ids stamped within `timeoutMs`, sorted, with how long ago each was stamped (Redis's clock). */
export async function readLiveWorkers(redis: RedisConnection, key: string, timeoutMs: number): Promise<Array<{ id: string; seenMsAgo: number }>> {
  const [now, flat] = (await redis.eval(READ_SCRIPT, 1, key, String(timeoutMs))) as [number, string[]];
  const live: Array<{ id: string; seenMsAgo: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) live.push({ id: flat[i] as string, seenMsAgo: Math.max(0, now - Number(flat[i + 1])) });
  return live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export class WorkerMembership {
  readonly id: string;
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  private left = false;
  private failing = false;
  private last = "";

  constructor(private readonly options: WorkerMembershipOptions) {
    this.id = options.id ?? newWorkerId();
  }

  /** Stamps this worker in (the first list is heard before this resolves), then keeps it in. */
  async join(): Promise<void> {
    await this.beat();
    if (this.left) return;
    this.timer = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.timer.unref();
  }

  /** Takes this worker out: the others split its partitions at their next heartbeat. */
  async leave(): Promise<void> {
    this.left = true;
    clearInterval(this.timer);
    const timer = new AbortController();
    const removed = this.options.redis.zrem(this.options.key, this.id).then(
      () => undefined,
      () => undefined,
    );
    await Promise.race([removed, sleep(LEAVE_TIMEOUT_MS, timer.signal).catch(() => undefined)]);
    timer.abort();
  }

  private async beat(): Promise<void> {
    // A heartbeat waiting for Redis (a worker connection queues commands while it is away) is not doubled.
    if (this.beating || this.left) return;
    this.beating = true;
    try {
      const answer = ((await this.options.redis.eval(HEARTBEAT_SCRIPT, 1, this.options.key, this.id, String(this.options.timeoutMs))) as string[]).sort();
      if (this.failing) this.options.logger.info("worker heartbeat written again");
      this.failing = false;
      if (this.left) return;
      const signature = answer.join("\n");
      if (signature === this.last) return;
      this.last = signature;
      this.options.onMembers(answer);
    } catch (error) {
      // Until a heartbeat goes through, this worker keeps the share it has; the others take it over after the timeout.
      if (!this.failing) this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "worker heartbeat failed");
      this.failing = true;
    } finally {
      this.beating = false;
    }
  }
}
