/**
 * Why a journal record could not be delivered, and whether trying again can help. The delivery
 * loops (in-process, or the drf_save queue consumer) decide from `retryable` and `retryAfterMs`,
 * never from the message text.
 */

export type JournalDeliveryErrorCode =
  /** The backend answered 4xx (not 429): the same record would be refused again. */
  | "JOURNAL_REJECTED"
  /** The backend answered 429; `retryAfterMs` holds its Retry-After when it sent one. */
  | "JOURNAL_RATE_LIMITED"
  /** The backend answered 5xx or something that is not HTTP success. */
  | "JOURNAL_UNAVAILABLE"
  /** The POST did not complete within the timeout. */
  | "JOURNAL_TIMEOUT"
  /** The connection failed (refused, reset, DNS). */
  | "JOURNAL_NETWORK";

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
