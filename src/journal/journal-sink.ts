/**
 * Where journal records go: the contract of a sink (a REST backend, the log). The in-process
 * journal (embedded default) and the drf_save queue consumer both deliver through one, and both
 * decide on retries from JournalDeliveryError.
 */
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";

export interface JournalSink {
  /**
   * Delivers one record, once. Throws on failure; a JournalDeliveryError with
   * `retryable === false` means another attempt would fail the same way.
   */
  deliver(record: ProcessedUpdateRecord): Promise<void>;
}
