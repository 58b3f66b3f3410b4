/** Why one bot folder could not be loaded. The bot is skipped; every other bot loads. */
import type { BotLoadErrorCode } from "./error-codes.ts";

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
