/**
 * Runs one accepted update through its bot's middleware, once per call, and tells the scheduler
 * what comes next: done, or run again after a backoff. Logs each retry with its attempt, a
 * handler that runs past the timeout (without cutting it or starting it again in parallel), and
 * a final failure with bot, update_id, handler file and stack.
 */
import type { Logger } from "pino";
import type { BotRegistry } from "../bots/bot-registry.ts";
import { handlerFileOf } from "../bots/handler-file-tag.ts";
import { backoffDelayMs } from "../telegram/backoff.ts";
import type { DedupWindow } from "./dedup-window.ts";
import { decideOnFailure, rootError } from "./failure-policy.ts";
import type { WorkOutcome } from "./keyed-scheduler.ts";
import { toRecord, type ProcessedUpdateRecord, type UpdateJob } from "./update-job.ts";

export interface UpdateRunnerOptions {
  registry: BotRegistry;
  logger: Logger;
  dedup: DedupWindow | undefined;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
  /** Called once per update when it is done, successfully or not (the journal listens here). */
  onSettled?: (record: ProcessedUpdateRecord) => void;
}

/** While a bot's getMe has not succeeded yet, its updates wait this long between checks. */
const NOT_READY_RETRY_MS = 1000;

export function createUpdateRunner(options: UpdateRunnerOptions): (job: UpdateJob) => Promise<WorkOutcome> {
  const { registry, logger } = options;

  function settle(job: UpdateJob, status: ProcessedUpdateRecord["status"], error?: string, handlerFile?: string): void {
    if (status !== "success") options.dedup?.release(job.botName, job.updateId);
    // The record (dates, preview) is built only when someone listens.
    options.onSettled?.(toRecord(job, status, error, handlerFile));
  }

  return async function runUpdate(job: UpdateJob): Promise<WorkOutcome> {
    const loaded = registry.get(job.botName);
    // The child logger is made only when a line is written: most updates write none.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= logger.child({ bot: job.botName, update_id: job.updateId }));
    if (loaded === undefined || loaded.status === "failed") {
      log().error({ reason: loaded?.failure?.reason ?? "bot not loaded" }, "update failed: bot unavailable");
      settle(job, "error", "bot unavailable");
      return { kind: "done" };
    }
    if (loaded.status === "starting") {
      // Not an attempt: the handler has not run. The chat's later updates keep waiting behind it.
      return { kind: "retry", delayMs: NOT_READY_RETRY_MS };
    }

    job.attempts++;
    job.startedAt ??= Date.now();
    const started = performance.now();
    const timer = setTimeout(() => {
      log().warn({ attempt: job.attempts, timeoutMs: options.timeoutMs }, "handler still running past the timeout");
    }, options.timeoutMs);
    try {
      await loaded.bot.handleUpdate(job.update as never);
      if (logger.isLevelEnabled("debug")) log().debug({ attempt: job.attempts, ms: Math.round(performance.now() - started) }, "update handled");
      settle(job, "success");
      return { kind: "done" };
    } catch (thrown) {
      const error = rootError(thrown);
      const handlerFile = handlerFileOf(error);
      const decision = decideOnFailure(error);
      if (decision.retry && job.attempts < options.maxAttempts) {
        const delayMs = decision.delayMs ?? backoffDelayMs(job.attempts, options.retryBaseMs);
        log().warn({ attempt: job.attempts, maxAttempts: options.maxAttempts, delayMs, handler_file: handlerFile, reason: decision.reason, err: error }, "handler failed, update will run again");
        return { kind: "retry", delayMs };
      }
      log().error({ attempt: job.attempts, handler_file: handlerFile, reason: decision.reason, err: error }, "update failed");
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      settle(job, "error", message, handlerFile);
      return { kind: "done" };
    } finally {
      clearTimeout(timer);
    }
  };
}
