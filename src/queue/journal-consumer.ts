/**
 * The `drf_save` queue: one job per settled update, delivered to the journal sink by whichever
 * worker consumes the queue. Failed deliveries are retried by BullMQ with backoff (a sink's
 * `retryAfterMs` wins); an error marked `retryable === false` fails the job at once.
 */
import { UnrecoverableError, type Job } from "bullmq";
import type { Logger } from "pino";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { backoffDelayMs } from "../telegram/backoff.ts";

/** Where journal records go (the journal module's sinks have this shape). */
export interface QueueJournalSink {
  /** Throws to retry; an error with `retryable === false` is not retried. */
  deliver(record: ProcessedUpdateRecord): Promise<void>;
}

/** The default sink: one info line per record, without the update body (user data). */
export function logJournalSink(logger: Logger): QueueJournalSink {
  return {
    async deliver(record) {
      const { update: _update, ...facts } = record;
      logger.info({ bot: record.bot_name, update_id: record.update_id, journal: facts }, "journal record");
    },
  };
}

function isNotRetryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false;
}

export function createJournalProcessor(sink: QueueJournalSink): (job: Job) => Promise<void> {
  return async (job) => {
    try {
      await sink.deliver(job.data as ProcessedUpdateRecord);
    } catch (error) {
      if (isNotRetryable(error)) {
        throw new UnrecoverableError(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
      throw error;
    }
  };
}

/** BullMQ backoff of `drf_save` jobs: the sink's `retryAfterMs` when it gave one, else doubling with jitter. */
export function journalBackoffMs(attemptsMade: number, error: unknown, baseMs: number): number {
  const asked = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (typeof asked === "number" && asked >= 0) return asked;
  return backoffDelayMs(attemptsMade, baseMs);
}
