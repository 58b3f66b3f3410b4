/**
 * The service's error catalogue: a few classes, each carrying a stable string `code` that clients,
 * logs and tests rely on. Messages may change; codes do not (they are listed in the README).
 */

/** Every error code the HTTP API can answer with, and the status it maps to. */
export const HTTP_ERROR_CODES = {
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  INVALID_BODY: 400,
  INVALID_BOT_NAME: 400,
  INVALID_UPDATE: 400,
  MISSING_INTERNAL_KEY: 401,
  WRONG_INTERNAL_KEY: 403,
  WRONG_WEBHOOK_SECRET: 401,
  FORBIDDEN_SOURCE: 403,
  UNKNOWN_BOT: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BACKLOG_FULL: 503,
  SHUTTING_DOWN: 503,
  BOT_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

/** An error answered to an HTTP client: status and code come from the catalogue. */
export class RequestError extends Error {
  readonly code: HttpErrorCode;
  readonly statusCode: number;
  /** Seconds the client should wait before retrying (sent as `Retry-After`), for 503s. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: HttpErrorCode, message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    // A client's mistake or a refusal under load: no stack trace, which would cost more than the answer.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = "RequestError";
    this.code = code;
    this.statusCode = HTTP_ERROR_CODES[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Configuration that cannot be used; the message names the variable. Stops the process at start. */
export class ConfigError extends Error {
  readonly code = "INVALID_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export type BotLoadErrorCode =
  | "MISSING_KEY"
  | "INVALID_KEY"
  | "DUPLICATE_BOT_NAME"
  | "CONFIG_IMPORT_FAILED"
  | "ENV_UNREADABLE"
  | "HANDLER_IMPORT_FAILED"
  | "HANDLER_WITHOUT_COMPOSER"
  | "TOKEN_REJECTED";

/** Why one bot folder could not be loaded. The bot is skipped; every other bot loads. */
export class BotLoadError extends Error {
  readonly code: BotLoadErrorCode;
  /** The file that caused it, relative to the bot folder, when one did. */
  readonly file: string | undefined;

  constructor(code: BotLoadErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "BotLoadError";
    this.code = code;
    this.file = options.file;
  }
}
