/** Configuration that cannot be used; the message names the variable. Stops the process at start. */
import { SINGLE_ERROR_CODES } from "./error-codes.ts";

export class ConfigError extends Error {
  readonly code = SINGLE_ERROR_CODES.ConfigError;

  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
