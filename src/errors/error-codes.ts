/**
 * The error catalogue: every stable code the service gives an error, the class that carries it,
 * and its HTTP status where a client sees it. Messages may change; codes do not. docs/errors.md
 * documents each of them, and `error-codes.test.ts` fails when a code here is missing from that
 * page, documented there but not here, or declared here and never used.
 */

/** Codes of errors answered to HTTP clients (RequestError), with their status. */
export const HTTP_ERROR_CODES = {
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  INVALID_BODY: 400,
  INVALID_BOT_NAME: 400,
  INVALID_UPDATE: 400,
  MISSING_INTERNAL_KEY: 401,
  WRONG_INTERNAL_KEY: 403,
  WRONG_WEBHOOK_SECRET: 401,
  ADMIN_UNAUTHORIZED: 401,
  FORBIDDEN_SOURCE: 403,
  UNKNOWN_BOT: 404,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BACKLOG_FULL: 503,
  SHUTTING_DOWN: 503,
  BOT_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

/** Why one bot folder did not load (BotLoadError), or why a loaded bot was stopped. */
export const BOT_LOAD_ERROR_CODES = [
  "MISSING_KEY",
  "INVALID_KEY",
  "DUPLICATE_BOT_NAME",
  "CONFIG_IMPORT_FAILED",
  "ENV_UNREADABLE",
  "HANDLER_IMPORT_FAILED",
  "HANDLER_WITHOUT_COMPOSER",
  "TOKEN_REJECTED",
] as const;

export type BotLoadErrorCode = (typeof BOT_LOAD_ERROR_CODES)[number];

/** Why a journal record could not be delivered (JournalDeliveryError). */
export const JOURNAL_DELIVERY_ERROR_CODES = ["JOURNAL_REJECTED", "JOURNAL_RATE_LIMITED", "JOURNAL_UNAVAILABLE", "JOURNAL_TIMEOUT", "JOURNAL_NETWORK"] as const;

export type JournalDeliveryErrorCode = (typeof JOURNAL_DELIVERY_ERROR_CODES)[number];

/** The codes of the remaining classes, one each. */
export const SINGLE_ERROR_CODES = {
  /** ConfigError: a setting cannot be used; the process stops at start. */
  ConfigError: "INVALID_CONFIG",
  /** BotSettingError: a per-bot setting (BOT_WEBHOOK_SECRET, BOT_ALLOWED_UPDATES, ...) cannot be used. */
  BotSettingError: "INVALID_BOT_SETTING",
  /** UnrecoverableUpdateError: a handler says the update must not run again. */
  UnrecoverableUpdateError: "UNRECOVERABLE_UPDATE",
  /** RetryUpdateAfterError: a handler asks for the update to run again after a delay. */
  RetryUpdateAfterError: "RETRY_UPDATE_AFTER",
  /** UpdateFailedError: queue mode, the job of an update whose last attempt failed. */
  UpdateFailedError: "UPDATE_FAILED",
  /** BotApiFetchError: a Bot API request failed on the network or was aborted. */
  BotApiFetchError: "BOT_API_REQUEST_FAILED",
  /** ApiCallGivenUpError: a transformer outside the engine's retries repeated a call they gave up on (network). */
  ApiCallGivenUpError: "API_CALL_GIVEN_UP",
} as const;

/** Every code of the catalogue. */
export function allErrorCodes(): string[] {
  return [...Object.keys(HTTP_ERROR_CODES), ...BOT_LOAD_ERROR_CODES, ...JOURNAL_DELIVERY_ERROR_CODES, ...Object.values(SINGLE_ERROR_CODES)];
}
