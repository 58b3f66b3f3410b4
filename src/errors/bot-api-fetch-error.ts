/** A Bot API request that failed on the network or was aborted (grammY wraps it into an HttpError). */
import { SINGLE_ERROR_CODES } from "./error-codes.ts";

export class BotApiFetchError extends Error {
  readonly code = SINGLE_ERROR_CODES.BotApiFetchError;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BotApiFetchError";
  }
}
