/**
 * The `drf_save` queue: each job holds the records of one group commit (JournalBatcher), or one
 * record (jobs written by earlier versions), delivered to the journal sink by whichever worker
 * consumes the queue, up to `concurrency` deliveries at once over all its jobs. A record the sink refuses for
 * good (`retryable === false`) is logged as not delivered and the others go on. When some records
 * fail and may succeed later, the job keeps only those (the delivered ones are never sent again)
 * and is retried by BullMQ with backoff (a sink's `retryAfterMs` wins).
 */
import { UnrecoverableError, type Job } from "bullmq";
import pLimit from "p-limit";
import type { Logger } from "pino";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { journalRetryDelayMs, type JournalRetryPolicy } from "../journal/journal-retry.ts";
import type { JournalBatch } from "./journal-batcher.ts";

/** Where journal records go (the journal module's sinks have this shape). */
export interface QueueJournalSink {
  /** Throws to retry; an error with `retryable === false` is not retried. */
  deliver(record: ProcessedUpdateRecord): Promise<void>;
}

function isNotRetryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function looksLikeRecord(value: unknown): value is ProcessedUpdateRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.bot_name === "string" && typeof record.update_id === "number";
}

/**
 * The records of a `drf_save` job: `{records: [...]}` (group commit), or the record itself (jobs
 * written by earlier versions, one record each). Written by workers that may run another version
 * of the code, so the shape is checked; undefined when the data is neither.
 */
export function journalRecordsIn(data: unknown): ProcessedUpdateRecord[] | undefined {
  if (looksLikeRecord(data)) return [data];
  const records = (data as Partial<JournalBatch> | null)?.records;
  return Array.isArray(records) && records.every(looksLikeRecord) ? records : undefined;
}

/** The records of a job to deliver; data of neither shape cannot succeed by retrying. */
function recordsOf(data: unknown): ProcessedUpdateRecord[] {
  const records = journalRecordsIn(data);
  if (records === undefined) throw new UnrecoverableError("job data is neither journal records ({records: [...]}) nor one record");
  return records;
}

export interface JournalProcessorOptions {
  /** Deliveries at once, over every job this processor runs (JOURNAL_CONCURRENCY). */
  concurrency: number;
  logger: Logger;
}

export function createJournalProcessor(sink: QueueJournalSink, options: JournalProcessorOptions): (job: Job) => Promise<void> {
  // Shared by all jobs: the worker runs several at once, and the backend sees at most this many.
  const limit = pLimit(options.concurrency);
  return async (job) => {
    const records = recordsOf(job.data);
    const retry: ProcessedUpdateRecord[] = [];
    let firstRetryable: unknown;
    await Promise.all(
      records.map((record) =>
        limit(async () => {
          try {
            await sink.deliver(record);
          } catch (error) {
            if (isNotRetryable(error)) {
              options.logger.error({ bot: record.bot_name, update_id: record.update_id, status: record.status, err: describe(error) }, "journal record not delivered");
              return;
            }
            retry.push(record);
            firstRetryable ??= error;
          }
        }),
      ),
    );
    if (retry.length === 0) return;
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
      // The last attempt: the job fails and keeps these records (`jobs failed`); say which they are.
      for (const record of retry) {
        options.logger.error({ bot: record.bot_name, update_id: record.update_id, status: record.status, attempts: job.attemptsMade + 1, err: describe(firstRetryable) }, "journal record not delivered");
      }
    }
    if (retry.length < records.length) {
      // Only what is left goes again: the records already delivered must not be sent twice.
      const left: JournalBatch = { records: retry };
      await job.updateData(left);
    }
    if (firstRetryable instanceof Error) throw firstRetryable;
    throw new Error(describe(firstRetryable));
  };
}

/**
 * BullMQ backoff of `drf_save` jobs: the journal's own retry rule (the sink's `retryAfterMs`
 * when it gave one, capped; else doubling with jitter), so both delivery paths retry alike.
 */
export function journalBackoffMs(attemptsMade: number, error: unknown, policy: Omit<JournalRetryPolicy, "maxAttempts">): number {
  return journalRetryDelayMs(error, attemptsMade, { ...policy, maxAttempts: Number.POSITIVE_INFINITY }) ?? policy.baseMs;
}
