/**
 * Opens the BullMQ queues of a deployment on one shared connection: the partitions of
 * `telegram_updates` and `drf_save`, with the job options both sides agree on (retention of
 * completed and failed jobs, attempts). Producers and workers open the same set. Each partition
 * has a key prefix (a hash tag) of its own, `drf_save` the deployment's (queue-names.ts).
 */
import { Queue, type JobsOptions } from "bullmq";
import type { RedisConnection } from "./redis-connection.ts";
import type { Logger } from "pino";
import type { QueueOpenSettings } from "./queue-mode.ts";
import { JOURNAL_QUEUE, keyPrefixOf, partitionKeyPrefixOf, partitionQueueName } from "./queue-names.ts";

export interface QueueSet {
  /** The connection the queues share. */
  connection: RedisConnection;
  /** `telegram_updates.0` ... `telegram_updates.<P-1>`. */
  partitions: Queue[];
  journal: Queue;
  all(): Queue[];
  close(): Promise<void>;
}

export function updateJobOptions(config: QueueOpenSettings): JobsOptions {
  return {
    // Retries happen inside the job, so the partition stays blocked and a chat's later update
    // cannot overtake one that is waiting to run again.
    attempts: 1,
    removeOnComplete: { count: config.QUEUE_KEEP_COMPLETED_COUNT },
    removeOnFail: { age: config.QUEUE_KEEP_FAILED_SECONDS, count: config.QUEUE_KEEP_FAILED_COUNT },
  };
}

export function journalJobOptions(config: QueueOpenSettings): JobsOptions {
  return {
    attempts: config.JOURNAL_MAX_ATTEMPTS,
    // "custom": the worker's backoff strategy, which honours a sink's retryAfterMs.
    backoff: { type: "custom" },
    removeOnComplete: { count: config.QUEUE_KEEP_COMPLETED_COUNT },
    removeOnFail: { age: config.QUEUE_KEEP_FAILED_SECONDS, count: config.QUEUE_KEEP_FAILED_COUNT },
  };
}

export interface OpenQueuesOptions {
  /**
   * BullMQ's version check (an INFO) runs once per queue, when it is opened, and a failure sticks:
   * every later command on that queue fails with it. The API side turns it off, because its
   * connection gives each command QUEUE_ADD_TIMEOUT_MS, and one slow answer at start would leave
   * the process refusing every update until restarted. Workers still check the version.
   */
  versionCheck?: boolean;
}

export function openQueues(connection: RedisConnection, config: QueueOpenSettings, logger: Logger, options: OpenQueuesOptions = {}): QueueSet {
  const skipVersionCheck = options.versionCheck === false;
  // The connection already logs outages once; BullMQ re-emits each error on every queue, and an
  // EventEmitter "error" without a listener would throw.
  const quiet = (queue: Queue): Queue => queue.on("error", (error: Error) => logger.debug({ queue: queue.name, err: error.message }, "queue error"));
  const partitions: Queue[] = [];
  for (let i = 0; i < config.QUEUE_PARTITIONS; i++) {
    partitions.push(quiet(new Queue(partitionQueueName(i), { connection, prefix: partitionKeyPrefixOf(config.QUEUE_PREFIX, i), skipVersionCheck, defaultJobOptions: updateJobOptions(config) })));
  }
  const journal = quiet(new Queue(JOURNAL_QUEUE, { connection, prefix: keyPrefixOf(config.QUEUE_PREFIX), skipVersionCheck, defaultJobOptions: journalJobOptions(config) }));
  const all = () => [...partitions, journal];
  return {
    connection,
    partitions,
    journal,
    all,
    async close() {
      await Promise.allSettled(all().map((queue) => queue.close()));
    },
  };
}
