/**
 * The one step every update passes on its way in, whatever brought it (`/internal/update`, a
 * webhook, long polling, the separate gateway): is the service taking updates, does the bot
 * exist, may this caller speak for it, can it run now, is it a duplicate, is there room. Each is
 * decided here once, with one error each; routes and the poller only authenticate and parse.
 */
import type { Update } from "grammy/types";
import { RequestError } from "../errors/request-error.ts";
import type { UpdateObserver } from "../processing/update-observer.ts";
import type { AdmissionSettings } from "./admission-settings.ts";
import type { Refusal, UpdateSubmitter } from "./update-submitter.ts";

/** What admission needs to know of a bot: whether it can take updates now. */
export interface AdmissibleBot {
  readonly name: string;
  /** Why the bot cannot take updates (its token was rejected, say), or undefined when it can. */
  unavailableReason(): string | undefined;
}

export type AdmissionResult = "accepted" | "duplicate";

export interface AdmissionOptions<B extends AdmissibleBot> {
  settings: AdmissionSettings;
  /** The bot called `name`, or undefined when there is none. */
  findBot: (name: string) => B | undefined;
  submitter: UpdateSubmitter;
  observer?: UpdateObserver;
}

export class Admission<B extends AdmissibleBot = AdmissibleBot> {
  private isClosed = false;

  constructor(private readonly options: AdmissionOptions<B>) {}

  /** True once shutdown began: every update is refused with 503 SHUTTING_DOWN. */
  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    this.isClosed = true;
  }

  /**
   * Admits `update` for the bot called `botName`. `authenticate` (the route's own check of the
   * caller, throwing its 401/403) runs once the bot is known and before anything else is decided.
   */
  async admit(botName: string, update: Update, authenticate?: (bot: B) => void): Promise<AdmissionResult> {
    const retryAfterSeconds = this.options.settings.RETRY_AFTER_SECONDS;
    const bot = this.options.findBot(botName);
    if (bot === undefined) throw new RequestError("UNKNOWN_BOT", `no bot named ${JSON.stringify(botName)}`, { bot: botName });
    authenticate?.(bot);
    if (this.isClosed) throw new RequestError("SHUTTING_DOWN", "the service is shutting down", { retryAfterSeconds, bot: botName });
    const unavailable = bot.unavailableReason();
    if (unavailable !== undefined) throw new RequestError("BOT_UNAVAILABLE", `bot ${JSON.stringify(botName)} is not running: ${unavailable}`, { retryAfterSeconds, bot: botName });
    const result = await this.options.submitter.submit(botName, update);
    if (result === "accepted" || result === "duplicate") {
      this.options.observer?.admitted?.(botName, result);
      return result;
    }
    throw refusalError(result, botName, retryAfterSeconds);
  }
}

function refusalError(refusal: Refusal, botName: string, retryAfterSeconds: number): RequestError {
  switch (refusal.refused) {
    case "backlog-full": {
      const scope = refusal.scope === "service" ? "the service" : `bot ${JSON.stringify(botName)}`;
      return new RequestError("BACKLOG_FULL", `${scope} has too many updates waiting; retry later`, { retryAfterSeconds, bot: botName });
    }
    case "queue-unavailable":
      return new RequestError("QUEUE_UNAVAILABLE", refusal.message, { retryAfterSeconds, cause: refusal.cause, bot: botName });
    case "store-unavailable":
      return new RequestError("STORE_UNAVAILABLE", refusal.message, { retryAfterSeconds, cause: refusal.cause, bot: botName });
    case "forward-refused":
      return new RequestError(refusal.code, refusal.message, { retryAfterSeconds: refusal.retryAfterSeconds ?? retryAfterSeconds, bot: botName });
  }
}
