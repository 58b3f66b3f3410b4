/**
 * Runs one `telegram_updates` job: the core's update runner (same middleware, same failure
 * policy), with retries inside the job so its partition stays blocked and the chat's later
 * updates cannot overtake it. When the update is settled, its record goes to `drf_save` (grouped
 * with other partitions' records by the journal batcher, before the job completes); a
 * final failure releases the duplicate claim (a redelivery runs again) and fails the job, which
 * BullMQ keeps with its error for `jobs failed` / `jobs retry`.
 * At the shutdown deadline a job that is only waiting for its next attempt is handed back to the
 * front of its partition instead of being held until the worker dies.
 */
import { UnrecoverableError, WaitingError, type Job } from "bullmq";
import type { Logger } from "pino";
import type { BotRegistry } from "../bots/bot-registry.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import { orderingKey, readUpdateFacts } from "../processing/update-key.ts";
import { newUpdateJob, toRecord, type ProcessedUpdateRecord } from "../processing/update-job.ts";
import { createUpdateRunner } from "../processing/update-runner.ts";
import { sleep } from "../telegram/backoff.ts";
import { isUpdateJobData } from "./update-job-data.ts";
import { UpdateFailedError } from "../errors/update-failed-error.ts";

export interface UpdateProcessorDeps {
  registry: BotRegistry;
  logger: Logger;
  config: Pick<ServiceConfig, "HANDLER_MAX_ATTEMPTS" | "HANDLER_RETRY_BASE_MS" | "HANDLER_TIMEOUT_MS">;
  /** `drf_save`: resolves once the record is in Redis (see JournalBatcher). */
  journal: { add(record: ProcessedUpdateRecord): Promise<void> };
  /** Each settled update (plugins' onSettled). */
  onSettled?: (record: ProcessedUpdateRecord) => void;
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
  const updateJob = newUpdateJob(bot, update, readUpdateFacts(update), acceptedAt);
  // Every run it had died in; this worker did not start another.
  updateJob.attempts = Math.max(0, job.attemptsStarted - 1);
  return toRecord(updateJob, "error", `${reason} (its worker died during it each time)`);
}

export function createUpdateProcessor(deps: UpdateProcessorDeps): (job: Job, token?: string) => Promise<void> {
  const { config, logger } = deps;
  return async (job, token) => {
    if (!isUpdateJobData(job.data)) throw new UnrecoverableError("job data is not an update (bot, update, accepted_at)");
    const { bot, update, accepted_at: acceptedAt } = job.data;
    const facts = readUpdateFacts(update);
    const updateJob = newUpdateJob(bot, update, facts, acceptedAt);
    // Most jobs write no line: the child logger and the debug line's fields only when needed.
    const log = () => logger.child({ bot, update_id: updateJob.updateId });
    let record: ProcessedUpdateRecord | undefined;
    const run = createUpdateRunner({
      registry: deps.registry,
      logger,
      dedup: undefined,
      maxAttempts: config.HANDLER_MAX_ATTEMPTS,
      retryBaseMs: config.HANDLER_RETRY_BASE_MS,
      timeoutMs: config.HANDLER_TIMEOUT_MS,
      onSettled: (settled) => {
        record = settled;
      },
    });

    const runningId = `${job.queueName}/${job.id ?? ""}`;
    deps.running.set(runningId, { bot, update_id: updateJob.updateId });
    if (logger.isLevelEnabled("debug")) log().debug({ queue: job.queueName, job: job.id, key: orderingKey(facts), stalled: job.stalledCounter }, "update job started");
    try {
      for (;;) {
        const outcome = await run(updateJob);
        if (outcome.kind === "done") break;
        try {
          await sleep(outcome.delayMs, deps.deadline);
        } catch {
          // Shutdown deadline: back to the front of the partition, still ahead of the chat's later updates.
          await job.moveToWait(token);
          log().info({ queue: job.queueName, attempts: updateJob.attempts }, "update handed back to the queue at shutdown");
          throw new WaitingError();
        }
      }
    } finally {
      deps.running.delete(runningId);
    }

    const settled = record;
    if (settled === undefined) throw new Error("the update runner finished without a record");
    deps.onSettled?.(settled);
    await deps.journal.add(settled);
    if (settled.status !== "success") {
      await job.removeDeduplicationKey();
      const where = settled.handler_file === undefined ? "" : ` (${settled.handler_file})`;
      throw new UpdateFailedError(`${settled.error ?? "failed"}${where}`);
    }
  };
}
