/**
 * The API side of queue mode, as the processor of the API process: an admitted update is taken
 * once Redis holds its job. The duplicate claim and the job are one atomic step (BullMQ's
 * deduplication runs inside the same Lua script as the add), keyed by bot and update_id for
 * DEDUP_WINDOW_SECONDS, so two API processes given the same update create one job, and a crash
 * between "claimed" and "queued" cannot happen. When Redis cannot take the job quickly the update
 * is refused (503 QUEUE_UNAVAILABLE with Retry-After): the sender keeps it. (If the add did land
 * after all, the sender's retry is then a duplicate.) The API process never runs a handler.
 */
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import type { SubmitResult, UpdateSubmitter } from "../admission/update-submitter.ts";
import type { Processor, ProcessorReadiness, UnfinishedUpdate } from "../host/processor.ts";
import type { SecretScrubber } from "../logging/secret-scrubber.ts";
import type { ProcessingSettings } from "../processing/processing-settings.ts";
import { orderingKey, readUpdateFacts } from "../processing/update-key.ts";
import { redisUrlOf, type QueueOpenSettings } from "./queue-mode.ts";
import { createProducerConnection, redisPasswordOf, type RedisConnection } from "./redis-connection.ts";
import { openQueues, type QueueSet } from "./update-queues.ts";
import { dedupIdOf, type UpdateJobData } from "./update-job-data.ts";
import { partitionOf } from "./update-partition.ts";
import { JOURNAL_QUEUE, UPDATES_QUEUE, workersKeyOf } from "./queue-names.ts";
import { readLiveWorkers } from "./worker-membership.ts";

export interface QueueProducerOptions {
  settings: QueueOpenSettings & Pick<ProcessingSettings, "DEDUP_WINDOW_SECONDS">;
  logger: Logger;
  /** Learns Redis's password, so no log line can show it. */
  scrubber: SecretScrubber;
}

const UPDATE_JOB_NAME = "update";

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export class QueueProducer implements UpdateSubmitter, Processor {
  readonly connection: RedisConnection;
  readonly queues: QueueSet;

  constructor(private readonly options: QueueProducerOptions) {
    const { settings, logger } = options;
    const url = redisUrlOf(settings);
    const password = redisPasswordOf(url);
    if (password !== "") options.scrubber.add(password);
    this.connection = createProducerConnection({ url, cluster: settings.REDIS_CLUSTER, logger, role: "producer", commandTimeoutMs: settings.QUEUE_ADD_TIMEOUT_MS });
    this.queues = openQueues(this.connection, settings, logger, { versionCheck: false });
  }

  /** True while the producer connection is up (reported on /readyz). */
  get redisReachable(): boolean {
    return this.connection.status === "ready";
  }

  async submit(botName: string, update: Update): Promise<SubmitResult> {
    const { settings } = this.options;
    if (!this.redisReachable) return { refused: "queue-unavailable", message: "the queue (Redis) is unreachable; retry later" };
    const updateId = update.update_id;
    const key = orderingKey(readUpdateFacts(update));
    const queue = this.queues.partitions[partitionOf(botName, key, updateId, this.queues.partitions.length)];
    if (queue === undefined) throw new Error("partition out of range");
    const jobId = randomUUID();
    const data: UpdateJobData = { bot: botName, update, accepted_at: Date.now() };
    const windowMs = settings.DEDUP_WINDOW_SECONDS * 1000;
    try {
      const job = await withTimeout(
        queue.add(UPDATE_JOB_NAME, data, {
          jobId,
          ...(windowMs > 0 ? { deduplication: { id: dedupIdOf(botName, updateId), ttl: windowMs } } : {}),
        }),
        settings.QUEUE_ADD_TIMEOUT_MS,
      );
      // A deduplicated add returns the job that holds the claim instead of creating ours.
      return job.id === jobId ? "accepted" : "duplicate";
    } catch (error) {
      return { refused: "queue-unavailable", message: "the queue (Redis) did not take the update; retry later", cause: error };
    }
  }

  /** Jobs in Redis per queue family and state (telegram_updates summed over its partitions), and the live workers. */
  async depth(): Promise<{ jobs: Array<{ queue: string; state: string; count: number }>; workers: number }> {
    const states = ["waiting", "active", "delayed", "failed"] as const;
    const sum = async (queues: readonly Queue[]): Promise<Record<string, number>> => {
      const counts = await Promise.all(queues.map((queue) => queue.getJobCounts(...states)));
      const total: Record<string, number> = {};
      for (const state of states) total[state] = counts.reduce((acc, c) => acc + (c[state] ?? 0), 0);
      return total;
    };
    const [updates, journal, workers] = await Promise.all([
      sum(this.queues.partitions),
      sum([this.queues.journal]),
      readLiveWorkers(this.connection, workersKeyOf(this.options.settings.QUEUE_PREFIX), this.options.settings.QUEUE_WORKER_TIMEOUT_MS),
    ]);
    const jobs = [
      ...Object.entries(updates).map(([state, count]) => ({ queue: UPDATES_QUEUE, state, count })),
      ...Object.entries(journal).map(([state, count]) => ({ queue: JOURNAL_QUEUE, state, count })),
    ];
    return { jobs, workers: workers.length };
  }

  async start(): Promise<void> {}

  /** Nothing to drain: every accepted update is in Redis already. */
  async drain(): Promise<UnfinishedUpdate[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.queues.close();
    this.connection.disconnect();
  }

  /**
   * Ready while Redis takes updates. The live workers are counted (an API is ready without them:
   * updates wait in Redis), with a warning when there are none, so an operator sees it.
   */
  async readiness(): Promise<ProcessorReadiness> {
    const { settings } = this.options;
    const reachable = this.redisReachable;
    const queue: Record<string, unknown> = { mode: "queue", prefix: settings.QUEUE_PREFIX, redis: reachable ? "reachable" : "unreachable" };
    if (reachable) {
      try {
        const workers = await readLiveWorkers(this.connection, workersKeyOf(settings.QUEUE_PREFIX), settings.QUEUE_WORKER_TIMEOUT_MS);
        queue.workers = workers.length;
        if (workers.length === 0) queue.warning = "no live worker: accepted updates wait in Redis until one runs (workers with QUEUE_SHARE_PARTITIONS=false are not counted)";
      } catch {
        queue.workers = "unknown";
      }
    }
    return { ready: reachable, facts: { queue } };
  }
}
