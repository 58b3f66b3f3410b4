/**
 * Where the BullMQ baselines keep their queues: BENCH_REDIS_URL, a single Redis or, with
 * BENCH_REDIS_CLUSTER=true, one node of a Redis Cluster. On a cluster every queue's prefix must be
 * a hash tag (BullMQ's keys of one queue in one slot): the bare baseline's one queue gets one,
 * each partition of the ordered baseline a tag of its own, as the service's partitions have.
 */
import { Cluster, Redis } from "ioredis";

const url = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const cluster = process.env.BENCH_REDIS_CLUSTER === "true";
const prefix = process.env.BENCH_BULLMQ_PREFIX ?? "bench";

/**
 * A connection the baseline's queues share; `{ url }` (BullMQ opens its own) for a single
 * Redis when nothing is shared, as the bare baseline always did.
 */
export function baselineConnection(options: { shared: boolean; worker: boolean }): Redis | Cluster | { url: string } {
  const maxRetriesPerRequest = options.worker ? null : undefined;
  if (cluster) {
    const node = new URL(url);
    const redisOptions = {
      maxRetriesPerRequest,
      username: node.username === "" ? undefined : decodeURIComponent(node.username),
      password: node.password === "" ? undefined : decodeURIComponent(node.password),
      tls: node.protocol === "rediss:" ? {} : undefined,
    };
    return new Cluster([{ host: node.hostname, port: Number(node.port === "" ? "6379" : node.port) }], { redisOptions });
  }
  return options.shared ? new Redis(url, { maxRetriesPerRequest }) : { url };
}

/** The prefix of queue `index` (of `partitions`, 0 for the bare baseline's one queue). */
export function baselinePrefixOf(index: number, partitions: number): string {
  if (!cluster) return prefix;
  return partitions === 0 ? `{${prefix}}` : `{${prefix}:${index}}`;
}
