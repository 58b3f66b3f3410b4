/**
 * Queue mode: the error of a `telegram_updates` job whose update failed for good, carrying the
 * update's last failure as the runner recorded it (what `jobs failed` shows).
 */
import { SINGLE_ERROR_CODES } from "./error-codes.ts";

export class UpdateFailedError extends Error {
  readonly code = SINGLE_ERROR_CODES.UpdateFailedError;

  constructor(message: string) {
    super(message);
    this.name = "UpdateFailedError";
  }
}
