/**
 * Why a journal record could not be delivered, and whether trying again can help. The delivery
 * loops (in-process, or the drf_save queue consumer) decide from `retryable` and `retryAfterMs`,
 * never from the message text.
 */
import type { JournalDeliveryErrorCode } from "./error-codes.ts";

export class JournalDeliveryError extends Error {
  readonly code: JournalDeliveryErrorCode;
  /** False when another attempt would get the same answer (BullMQ: throw UnrecoverableError). */
  readonly retryable: boolean;
  /** HTTP status of the backend's answer, when there was one. */
  readonly status: number | undefined;
  /** How long the backend asked us to wait (429 Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(code: JournalDeliveryErrorCode, message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "JournalDeliveryError";
    this.code = code;
    this.retryable = code !== "JOURNAL_REJECTED";
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Anything a sink throws is retried unless it says otherwise (`retryable === false`). */
export function isRetryableJournalError(error: unknown): boolean {
  return !(typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false);
}
