/** An error answered to an HTTP client: its status and code come from the catalogue. */
import { HTTP_ERROR_CODES, type HttpErrorCode } from "./error-codes.ts";

export class RequestError extends Error {
  readonly code: HttpErrorCode;
  readonly statusCode: number;
  /** Seconds the client should wait before retrying (sent as `Retry-After`), for 503s. */
  readonly retryAfterSeconds: number | undefined;
  /** The bot the request named, for the log line (never sent back). */
  readonly bot: string | undefined;

  constructor(code: HttpErrorCode, message: string, options: { cause?: unknown; retryAfterSeconds?: number; bot?: string } = {}) {
    // A client's mistake or a refusal under load: no stack trace, which would cost more than the answer.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = "RequestError";
    this.code = code;
    this.statusCode = HTTP_ERROR_CODES[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.bot = options.bot;
  }
}
