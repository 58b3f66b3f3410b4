/** Settings of queue mode (Redis, BullMQ): where Redis is, the partitions, locks, worker membership, retention. */
import { z } from "zod";
import { booleanFlag, integer, port, type SettingsOf, type SettingsRule } from "../settings/setting-types.ts";

export const queueSettings = {
  /** Redis (or Redis Cluster node) URL, `redis://[:password@]host:port[/db]` or `rediss://`. Setting it turns queue mode on. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /**
   * REDIS_URL names one node of a Redis Cluster (the others are discovered from it). Each
   * partition of `telegram_updates` has a hash tag of its own (`{cb:3}`), so the cluster's shards
   * share the partitions; a cluster has database 0 only. @defaultValue false
   */
  REDIS_CLUSTER: booleanFlag.default(false),
  /**
   * `auto`: queue mode when REDIS_URL is set; `queue`: always (REDIS_URL defaults to
   * redis://127.0.0.1:6379); `embedded`: never, even with REDIS_URL set. @defaultValue auto
   */
  QUEUE_MODE: z.enum(["auto", "queue", "embedded"]).default("auto"),
  /**
   * Namespace of every Redis key, so deployments can share one Redis. Part of every queue key's
   * Cluster hash tag: `{cb:<partition>}` for a partition's keys, `{cb}` for `drf_save` and the
   * worker membership set. @defaultValue cb
   */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.', '-' only")
    .default("cb"),
  /**
   * Partitions of `telegram_updates`: each runs one update at a time across all workers, so this
   * is the most updates handled at once in the whole deployment. Change it only with empty queues
   * (a chat's pending updates must stay in one partition). A handler mostly waits for Telegram
   * (50-200 ms a call), so 128 partitions cap a deployment near 128 / latency updates/s; each costs
   * every worker process one Redis connection. @defaultValue 128
   */
  QUEUE_PARTITIONS: integer(1, 1024).default(128),
  /**
   * How long a worker's claim on a job lasts without renewal (renewed every half of it). A worker
   * killed mid-update is noticed after about this plus QUEUE_STALLED_INTERVAL_MS. @defaultValue 30000
   */
  QUEUE_LOCK_DURATION_MS: integer(1000).default(30_000),
  /** How often workers look for jobs whose worker died. @defaultValue 15000 */
  QUEUE_STALLED_INTERVAL_MS: integer(500).default(15_000),
  /** A job whose worker died more than this many times is failed (a poison update). @defaultValue 2 */
  QUEUE_MAX_STALLED_COUNT: integer(0, 100).default(2),
  /**
   * Workers split the partitions between them: each watches its share, and a stopped or dead
   * worker's share passes to the others (within QUEUE_WORKER_HEARTBEAT_MS when it stops, within
   * QUEUE_WORKER_TIMEOUT_MS when it dies). Off: every worker watches every partition, which costs
   * each worker a wake-up per job of every partition (about a third more CPU per update with two
   * workers, docs/performance.md). Order does not depend on it either way. @defaultValue true
   */
  QUEUE_SHARE_PARTITIONS: booleanFlag.default(true),
  /** How often a worker tells the others it is alive (one small Redis script). @defaultValue 1000 */
  QUEUE_WORKER_HEARTBEAT_MS: integer(50).default(1_000),
  /**
   * A worker not heard from for this long is taken for dead and its partitions go to the others
   * (its update in progress waits for its lock, QUEUE_LOCK_DURATION_MS, as before). At least twice
   * QUEUE_WORKER_HEARTBEAT_MS. @defaultValue 5000
   */
  QUEUE_WORKER_TIMEOUT_MS: integer(100).default(5_000),
  /** Worker side: address of its HTTP port (/healthz, /readyz), when WORKER_HTTP_PORT is set. @defaultValue 127.0.0.1 */
  WORKER_HTTP_IP: z.string().min(1).default("127.0.0.1"),
  /** Worker side: serve /healthz and /readyz on this port (0: any free port); unset: no HTTP port. @defaultValue unset */
  WORKER_HTTP_PORT: port().optional(),
  /** API side: longest wait for Redis to take one update before answering 503. @defaultValue 2000 */
  QUEUE_ADD_TIMEOUT_MS: integer(50).default(2_000),
  /** Failed jobs kept for `jobs failed` / `jobs retry`, at most this long. @defaultValue 7 days */
  QUEUE_KEEP_FAILED_SECONDS: integer(0).default(7 * 24 * 60 * 60),
  /** Failed jobs kept per queue, at most. @defaultValue 10000 */
  QUEUE_KEEP_FAILED_COUNT: integer(0).default(10_000),
  /**
   * Completed jobs kept per queue, for inspection only: the journal is the record of processed
   * updates. Keeping them costs Redis work on every job (about 35 us of Redis CPU per update in
   * the queue benchmark, docs/performance.md). @defaultValue 0
   */
  QUEUE_KEEP_COMPLETED_COUNT: integer(0).default(0),
  /**
   * Most journal records in one `drf_save` job. Records settled while the previous job was being
   * written go together in the next one (group commit). @defaultValue 100
   */
  JOURNAL_BATCH_MAX: integer(1, 10_000).default(100),
};

export type QueueSettings = SettingsOf<typeof queueSettings>;

/** The database a Redis URL names (its path, `/3`); 0 when it names none. */
function databaseOf(url: string): number {
  const path = new URL(url).pathname.replace(/^\//, "");
  return path === "" ? 0 : Number(path);
}

/** A worker must miss two heartbeats before it is taken for dead; a Redis Cluster has database 0 only. */
export const checkQueueSettings: SettingsRule<QueueSettings> = (config, context) => {
  if (config.REDIS_CLUSTER && config.REDIS_URL !== undefined && databaseOf(config.REDIS_URL) !== 0) {
    context.addIssue({
      code: "custom",
      path: ["REDIS_URL"],
      message: "names a database other than 0, which a Redis Cluster does not have (REDIS_CLUSTER=true): drop the /<db> from the URL",
    });
  }
  if (config.QUEUE_WORKER_TIMEOUT_MS < 2 * config.QUEUE_WORKER_HEARTBEAT_MS) {
    context.addIssue({
      code: "custom",
      path: ["QUEUE_WORKER_TIMEOUT_MS"],
      message: `must be at least twice QUEUE_WORKER_HEARTBEAT_MS (${config.QUEUE_WORKER_HEARTBEAT_MS}), or live workers would be taken for dead`,
    });
  }
};
