/**
 * A Bot API call repeated, within one update, by a transformer outside the engine's retries (a
 * handler's `@grammyjs/auto-retry`, say) after those retries had failed on the network: the
 * repeat is not sent (outer-retry-guard.ts). Not an HttpError, so such a transformer does not
 * repeat it again; `cause` is the network failure the engine's retries ended with.
 */
import { SINGLE_ERROR_CODES } from "./error-codes.ts";

export class ApiCallGivenUpError extends Error {
  readonly code = SINGLE_ERROR_CODES.ApiCallGivenUpError;
  readonly method: string;

  constructor(method: string, options?: { cause?: unknown }) {
    super(`'${method}' was not sent again: the engine's retries had already given up on this call in this update`, options);
    this.name = "ApiCallGivenUpError";
    this.method = method;
  }
}
