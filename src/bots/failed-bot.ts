/**
 * A bot folder that did not load but whose BOT_NAME is known: its updates are refused with 503
 * BOT_UNAVAILABLE and the failure's code, so a gateway keeps them until the folder is fixed,
 * instead of a 404 that says no such bot exists. When its internal key was read, a caller must
 * still present it (a wrong key is a 403, as for any bot).
 */
import type { InternalKey } from "./internal-key.ts";
import type { BotFailure } from "./loaded-bot.ts";

export class FailedBot {
  readonly name: string;

  constructor(
    readonly failure: BotFailure & { name: string },
    private readonly key: InternalKey | undefined,
  ) {
    this.name = failure.name;
  }

  /** With no key read, nothing can be checked: the answer is a 503 either way. */
  matchesKey(presented: string): boolean {
    return this.key === undefined || this.key.matches(presented);
  }

  /** The failure's code and file, never its message (which may quote what the folder holds). */
  unavailableReason(): string {
    const { code, file } = this.failure;
    return `it did not load (${code}${file === undefined ? "" : ` in ${file}`}); it takes updates again once its folder is fixed`;
  }
}
