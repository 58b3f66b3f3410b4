/**
 * Runs one `telegram_updates` job: the shared update runner (same middleware, same failure
 * policy, the same one retry path as the embedded processor), waiting for each retry inside the
 * job so its partition stays blocked and the chat's later updates cannot overtake it. When the
 * update is settled, its record goes to `drf_save` (grouped with other partitions' records by
 * the journal batcher, before the job completes); a final failure releases the duplicate claim (a redelivery runs again) and fails the job, which
 * BullMQ keeps with its error for `jobs failed` / `jobs retry`.
 * At the shutdown deadline a job that is only waiting for its next attempt is handed back to the
 * front of its partition instead of being held until the worker dies.
 */
import { UnrecoverableError, WaitingError, type Job } from "bullmq";
import type { Logger } from "pino";
import { orderingKey } from "../processing/update-key.ts";
import { newUpdateJob, toRecord, type ProcessedUpdateRecord, type SettledListener } from "../processing/update-job.ts";
import type { UpdateObserver } from "../processing/update-observer.ts";
import type { UpdateRunner } from "../processing/update-runner.ts";
import { sleep } from "../telegram/backoff.ts";
import { isUpdateJobData } from "./update-job-data.ts";
import { UpdateFailedError } from "../errors/update-failed-error.ts";

export interface UpdateJobHandlerOptions {
  runner: UpdateRunner;
  logger: Logger;
  /** `drf_save`: resolves once the record is in Redis (see JournalBatcher). */
  journal: { add(record: ProcessedUpdateRecord): Promise<void> };
  /** Each settled update. */
  onSettled?: SettledListener;
  observer?: UpdateObserver;
  /** Aborted at the shutdown deadline. */
  deadline: AbortSignal;
  /** Jobs running now, for the shutdown report. */
  running: Map<string, { bot: string; update_id: number }>;
}

/**
 * The journal record of an update whose job BullMQ failed without running it: its worker died
 * during it more than QUEUE_MAX_STALLED_COUNT times (a poison update), so BullMQ marked it and
 * the next worker to take it failed it at once. Undefined for any other failure (the runner
 * settled those and wrote their record) and for job data that is not an update.
 */
export function abandonedUpdateRecord(job: Job): ProcessedUpdateRecord | undefined {
  const reason = job.deferredFailure as string | undefined;
  if (reason === undefined || reason === "" || !isUpdateJobData(job.data)) return undefined;
  const { bot, update, accepted_at: acceptedAt } = job.data;
  const updateJob = newUpdateJob(bot, update, acceptedAt);
  // Every run it had died in; this worker did not start another.
  updateJob.attempts = Math.max(0, job.attemptsStarted - 1);
  return toRecord(updateJob, "error", `${reason} (its worker died during it each time)`);
}

export function createUpdateJobHandler(options: UpdateJobHandlerOptions): (job: Job, token?: string) => Promise<void> {
  const { runner, logger } = options;
  return async (job, token) => {
    if (!isUpdateJobData(job.data)) throw new UnrecoverableError("job data is not an update (bot, update, accepted_at)");
    const { bot, update, accepted_at: acceptedAt } = job.data;
    const updateJob = newUpdateJob(bot, update, acceptedAt);
    // Most jobs write no line: the child logger and the debug line's fields only when needed.
    const log = () => logger.child({ bot, update_id: updateJob.updateId });
    const runningId = `${job.queueName}/${job.id ?? ""}`;
    options.running.set(runningId, { bot, update_id: updateJob.updateId });
    if (logger.isLevelEnabled("debug")) log().debug({ queue: job.queueName, job: job.id, key: orderingKey(updateJob.facts), stalled: job.stalledCounter }, "update job started");
    let record: ProcessedUpdateRecord;
    try {
      for (;;) {
        const attempt = await runner.attempt(updateJob);
        if (attempt.kind === "done") {
          record = toRecord(updateJob, attempt.status, attempt.error, attempt.handlerFile);
          break;
        }
        try {
          await sleep(attempt.delayMs, options.deadline);
        } catch {
          // Shutdown deadline: back to the front of the partition, still ahead of the chat's later updates.
          await job.moveToWait(token);
          log().info({ queue: job.queueName, attempts: updateJob.attempts }, "update handed back to the queue at shutdown");
          throw new WaitingError();
        }
      }
    } finally {
      options.running.delete(runningId);
    }

    options.observer?.settled?.(bot, record.status, record.error);
    options.onSettled?.(record);
    await options.journal.add(record);
    if (record.status !== "success") {
      await job.removeDeduplicationKey();
      const where = record.handler_file === undefined ? "" : ` (${record.handler_file})`;
      throw new UpdateFailedError(`${record.error ?? "failed"}${where}`);
    }
  };
}
