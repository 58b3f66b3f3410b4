/**
 * Errors that steer the retry machinery, for bot authors and for the engine. Throwing one from a
 * handler says what should happen to the update, instead of leaving the engine to guess from a
 * message text.
 */
import { SINGLE_ERROR_CODES } from "./error-codes.ts";

/** The update must not be run again: it is logged as failed at once. */
export class UnrecoverableUpdateError extends Error {
  readonly code = SINGLE_ERROR_CODES.UnrecoverableUpdateError;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UnrecoverableUpdateError";
  }
}

/** Run the update again after `retryAfterMs` (still bounded by HANDLER_MAX_ATTEMPTS). */
export class RetryUpdateAfterError extends Error {
  readonly code = SINGLE_ERROR_CODES.RetryUpdateAfterError;
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number, message = `retry after ${retryAfterMs} ms`, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RetryUpdateAfterError";
    this.retryAfterMs = retryAfterMs;
  }
}
