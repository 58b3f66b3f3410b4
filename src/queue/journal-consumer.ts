/**
 * The `drf_save` queue: one job per settled update, delivered to the journal sink by whichever
 * worker consumes the queue. Failed deliveries are retried by BullMQ with backoff (a sink's
 * `retryAfterMs` wins); an error marked `retryable === false` fails the job at once.
 */
import { UnrecoverableError, type Job } from "bullmq";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { journalRetryDelayMs, type JournalRetryPolicy } from "../journal/journal-sink.ts";

/** Where journal records go (the journal module's sinks have this shape). */
export interface QueueJournalSink {
  /** Throws to retry; an error with `retryable === false` is not retried. */
  deliver(record: ProcessedUpdateRecord): Promise<void>;
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

/**
 * BullMQ backoff of `drf_save` jobs: the journal's own retry rule (the sink's `retryAfterMs`
 * when it gave one, capped; else doubling with jitter), so both delivery paths retry alike.
 */
export function journalBackoffMs(attemptsMade: number, error: unknown, policy: Omit<JournalRetryPolicy, "maxAttempts">): number {
  return journalRetryDelayMs(error, attemptsMade, { ...policy, maxAttempts: Number.POSITIVE_INFINITY }) ?? policy.baseMs;
}
