/**
 * The API side of queue mode: an update is accepted once Redis holds its job. The duplicate claim
 * and the job are one atomic step (BullMQ's deduplication runs inside the same Lua script as the
 * add), keyed by bot and update_id for DEDUP_WINDOW_SECONDS, so two API processes given the same
 * update create one job, and a crash between "claimed" and "queued" cannot happen. When Redis
 * cannot take the job quickly the answer is 503 QUEUE_UNAVAILABLE with Retry-After: the sender
 * keeps the update. (If the add did land after all, the sender's retry is then a duplicate.)
 */
import { randomUUID } from "node:crypto";
import type { RedisConnection } from "./redis-connection.ts";
import { RequestError } from "../errors/request-error.ts";
import type { IntakeResult, UpdateIntake } from "../http/update-intake.ts";
import { orderingKey, readUpdateFacts } from "../processing/update-key.ts";
import type { QueueConfig } from "./queue-mode.ts";
import type { QueueSet } from "./update-queues.ts";
import { dedupIdOf, type UpdateJobData } from "./update-job-data.ts";
import { partitionOf } from "./update-partition.ts";

export interface QueueIntakeOptions {
  config: QueueConfig;
  connection: RedisConnection;
  queues: QueueSet;
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

export class QueueIntake implements UpdateIntake {
  private isClosed = false;

  constructor(private readonly options: QueueIntakeOptions) {}

  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    this.isClosed = true;
  }

  /** True while the producer connection is up (reported on /readyz). */
  get redisReachable(): boolean {
    return this.options.connection.status === "ready";
  }

  async accept(botName: string, update: Record<string, unknown>): Promise<IntakeResult> {
    const { config, queues } = this.options;
    const retryAfterSeconds = config.RETRY_AFTER_SECONDS;
    if (this.isClosed) throw new RequestError("SHUTTING_DOWN", "the service is shutting down", { retryAfterSeconds });
    if (!this.redisReachable) throw new RequestError("QUEUE_UNAVAILABLE", "the queue (Redis) is unreachable; retry later", { retryAfterSeconds });

    const updateId = update.update_id as number;
    const key = orderingKey(readUpdateFacts(update));
    const queue = queues.partitions[partitionOf(botName, key, updateId, queues.partitions.length)];
    if (queue === undefined) throw new Error("partition out of range");
    const jobId = randomUUID();
    const data: UpdateJobData = { bot: botName, update, accepted_at: Date.now() };
    const windowMs = config.DEDUP_WINDOW_SECONDS * 1000;
    try {
      const job = await withTimeout(
        queue.add(UPDATE_JOB_NAME, data, {
          jobId,
          ...(windowMs > 0 ? { deduplication: { id: dedupIdOf(botName, updateId), ttl: windowMs } } : {}),
        }),
        config.QUEUE_ADD_TIMEOUT_MS,
      );
      // A deduplicated add returns the job that holds the claim instead of creating ours.
      return job.id === jobId ? "accepted" : "duplicate";
    } catch (error) {
      throw new RequestError("QUEUE_UNAVAILABLE", "the queue (Redis) did not take the update; retry later", { retryAfterSeconds, cause: error });
    }
  }
}
