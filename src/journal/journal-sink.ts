/**
 * Where journal records go: a REST backend when JOURNAL_URL is set, the log otherwise. The
 * in-process journal (embedded default) and the drf_save queue consumer both deliver through
 * `createJournalSink`, and both decide on retries from JournalDeliveryError.
 */
import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { HttpJournalSink } from "./http-journal-sink.ts";
import { LogJournalSink } from "./log-journal-sink.ts";

export { JournalDeliveryError, isRetryableJournalError } from "../errors/journal-delivery-error.ts";
export type { JournalDeliveryErrorCode } from "../errors/error-codes.ts";
export { journalRetryDelayMs, type JournalRetryPolicy } from "./journal-retry.ts";

export interface JournalSink {
  /**
   * Delivers one record, once. Throws on failure; a JournalDeliveryError with
   * `retryable === false` means another attempt would fail the same way.
   */
  deliver(record: ProcessedUpdateRecord): Promise<void>;
}

export type JournalSinkConfig = Pick<ServiceConfig, "JOURNAL_URL" | "JOURNAL_AUTHORIZATION" | "JOURNAL_TIMEOUT_MS">;

export interface JournalSinkOptions {
  /** Receives JOURNAL_AUTHORIZATION so the logger scrubs it (SecretScrubber.add). */
  onSecret?: (secret: string) => void;
}

export function createJournalSink(config: JournalSinkConfig, logger: Logger, options: JournalSinkOptions = {}): JournalSink {
  if (config.JOURNAL_URL === undefined) return new LogJournalSink(logger);
  if (config.JOURNAL_AUTHORIZATION !== undefined && config.JOURNAL_AUTHORIZATION !== "") options.onSecret?.(config.JOURNAL_AUTHORIZATION);
  const password = new URL(config.JOURNAL_URL).password;
  if (password !== "") options.onSecret?.(decodeURIComponent(password));
  return new HttpJournalSink({ url: config.JOURNAL_URL, timeoutMs: config.JOURNAL_TIMEOUT_MS, authorization: config.JOURNAL_AUTHORIZATION });
}
