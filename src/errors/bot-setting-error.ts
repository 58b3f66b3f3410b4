/** A per-bot setting (BOT_WEBHOOK_SECRET, BOT_ALLOWED_UPDATES, ...) that cannot be used; the message names it, never its value. */
import { SINGLE_ERROR_CODES } from "./error-codes.ts";

export class BotSettingError extends Error {
  readonly code = SINGLE_ERROR_CODES.BotSettingError;

  constructor(message: string) {
    super(message);
    this.name = "BotSettingError";
  }
}
