/**
 * The one retry path of an update, shared by both processors: runs an accepted update through its
 * bot's middleware once per call and says what comes next, done (with how it ended) or run again
 * after a delay. The processor decides how to wait (the embedded scheduler frees the slot and
 * keeps the chat blocked; a queue job sleeps, holding its partition). Logs each retry with its
 * attempt, a handler that runs past the timeout (without cutting it or starting it again in
 * parallel), and a final failure with bot, update_id, handler file and stack.
 */
import type { Logger } from "pino";
import { handlerFileOf } from "../bots/handler-file-tag.ts";
import type { LoadedBot } from "../bots/loaded-bot.ts";
import { backoffDelayMs } from "../telegram/backoff.ts";
import { decideOnFailure, rootError } from "./failure-policy.ts";
import type { ProcessingSettings } from "./processing-settings.ts";
import type { UpdateObserver } from "./update-observer.ts";
import type { ProcessingStatus, UpdateJob } from "./update-job.ts";

/** How one attempt ended. */
export type Attempt =
  | { kind: "done"; status: Exclude<ProcessingStatus, "cancelled">; error?: string; handlerFile?: string }
  | { kind: "retry"; delayMs: number };

export interface UpdateRunnerOptions {
  /** The bot that runs updates of `name` now: the version serving, or one draining after its folder went. */
  findBot: (name: string) => LoadedBot | undefined;
  /**
   * How long updates of a bot this process does not have wait for it, counted from the first one
   * that found it missing; then they fail ("bot not loaded"). A queue worker may not have loaded
   * a folder the API already serves, or may have released a removed one. Undefined: they wait as
   * long as it takes (the embedded default, where such an update stays in the local store until
   * its folder is back).
   */
  missingBotWaitMs?: number;
  logger: Logger;
  settings: Pick<ProcessingSettings, "HANDLER_MAX_ATTEMPTS" | "HANDLER_RETRY_BASE_MS" | "HANDLER_TIMEOUT_MS">;
  /**
   * Removes secrets from a failure's text before it leaves the runner: the record goes to the
   * journal (a REST backend, drf_save) and, in queue mode, the text to the failed job in Redis.
   */
  scrub: (text: string) => string;
  observer?: UpdateObserver;
}

/** While a bot's getMe has not succeeded yet, its updates wait this long between checks. */
const NOT_READY_RETRY_MS = 1000;
/** While a bot is missing, its updates look for it this often. */
const MISSING_RETRY_MS = 2000;

export class UpdateRunner {
  /** Bots found missing, since when: updates of a bot wait for it from the first that missed it. */
  private readonly missingSince = new Map<string, number>();

  constructor(private readonly options: UpdateRunnerOptions) {}

  async attempt(job: UpdateJob): Promise<Attempt> {
    const { logger, settings } = this.options;
    const loaded = this.options.findBot(job.botName);
    // The child logger is made only when a line is written: most updates write none.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= logger.child({ bot: job.botName, update_id: job.updateId }));
    if (loaded === undefined) return this.missing(job, log);
    if (this.missingSince.size > 0) this.missingSince.delete(job.botName);
    if (loaded.status === "failed") {
      log().error({ reason: loaded.failure?.reason ?? "failed" }, "update failed: bot unavailable");
      return { kind: "done", status: "error", error: "bot unavailable" };
    }
    if (loaded.status === "starting") {
      // Not an attempt: the handler has not run. The chat's later updates keep waiting behind it.
      return { kind: "retry", delayMs: NOT_READY_RETRY_MS };
    }

    const { observer } = this.options;
    job.attempts++;
    if (job.startedAt === undefined) {
      job.startedAt = Date.now();
      observer?.started?.(job.botName, job.startedAt - job.acceptedAt);
    }
    const started = performance.now();
    const timer = setTimeout(() => {
      log().warn({ attempt: job.attempts, timeoutMs: settings.HANDLER_TIMEOUT_MS }, "handler still running past the timeout");
    }, settings.HANDLER_TIMEOUT_MS);
    loaded.enter();
    try {
      await loaded.bot.handleUpdate(job.update);
      observer?.handled?.(job.botName, performance.now() - started);
      if (logger.isLevelEnabled("debug")) log().debug({ attempt: job.attempts, ms: Math.round(performance.now() - started) }, "update handled");
      return { kind: "done", status: "success" };
    } catch (thrown) {
      observer?.handled?.(job.botName, performance.now() - started);
      const error = rootError(thrown);
      const handlerFile = handlerFileOf(error);
      const decision = decideOnFailure(error);
      if (decision.retry && job.attempts < settings.HANDLER_MAX_ATTEMPTS) {
        const delayMs = decision.delayMs ?? backoffDelayMs(job.attempts, settings.HANDLER_RETRY_BASE_MS);
        log().warn({ attempt: job.attempts, maxAttempts: settings.HANDLER_MAX_ATTEMPTS, delayMs, handler_file: handlerFile, reason: decision.reason, err: error }, "handler failed, update will run again");
        observer?.retried?.(job.botName);
        return { kind: "retry", delayMs };
      }
      log().error({ attempt: job.attempts, handler_file: handlerFile, reason: decision.reason, err: error }, "update failed");
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { kind: "done", status: "error", error: this.options.scrub(message), handlerFile };
    } finally {
      clearTimeout(timer);
      loaded.leave();
    }
  }

  /** An update of a bot this process does not have: it waits (not an attempt), for a while or for good. */
  private missing(job: UpdateJob, log: () => Logger): Attempt {
    const now = Date.now();
    const since = this.missingSince.get(job.botName);
    if (since === undefined) {
      this.missingSince.set(job.botName, now);
      const waitMs = this.options.missingBotWaitMs;
      log().warn({ waitMs: waitMs ?? "until it is back" }, "update of a bot this process has not loaded (a folder added or removed elsewhere?): it waits for the bot");
    } else if (this.options.missingBotWaitMs !== undefined && now - since >= this.options.missingBotWaitMs) {
      log().error({ waitedMs: now - since }, "update failed: bot not loaded");
      return { kind: "done", status: "error", error: "bot not loaded" };
    }
    return { kind: "retry", delayMs: MISSING_RETRY_MS };
  }
}
