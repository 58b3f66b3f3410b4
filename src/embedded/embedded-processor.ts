/**
 * The embedded processor (the default): admitted updates wait in the in-process keyed scheduler
 * (per-chat order, fair turns between bots, bounded backlog) and run through the shared update
 * runner. Its ledger owns what must outlive a step: the duplicate claims (taken on submit,
 * released when an update finally failed or was not taken) and, when durable, the accepted
 * updates themselves: a 200 then waits for the update's commit to disk, and a restart hands the
 * scheduler whatever the last run did not finish, before any new update.
 */
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import type { SubmitResult, UpdateSubmitter } from "../admission/update-submitter.ts";
import type { Processor, UnfinishedUpdate } from "../host/processor.ts";
import { orderingKey } from "../processing/update-key.ts";
import { newUpdateJob, toRecord, type ProcessingStatus, type SettledListener, type UpdateJob } from "../processing/update-job.ts";
import type { UpdateObserver } from "../processing/update-observer.ts";
import type { UpdateRunner } from "../processing/update-runner.ts";
import { sleep } from "../telegram/backoff.ts";
import type { EmbeddedSettings } from "./embedded-settings.ts";
import { KeyedScheduler, type WorkOutcome } from "./keyed-scheduler.ts";
import type { UpdateLedger } from "./update-ledger.ts";

export interface EmbeddedProcessorOptions {
  settings: EmbeddedSettings;
  ledger: UpdateLedger;
  runner: UpdateRunner;
  logger: Logger;
  /** Hears of each processed update, once (journal, tests). Unset: no record is built. */
  onSettled?: SettledListener;
  observer?: UpdateObserver;
}

export class EmbeddedProcessor implements UpdateSubmitter, Processor {
  private readonly scheduler: KeyedScheduler<UpdateJob>;
  private readonly ledger: UpdateLedger;
  /** Updates whose commit to the store is under way: they run only once it is done. */
  private readonly commits = new WeakMap<UpdateJob, Promise<void>>();

  constructor(private readonly options: EmbeddedProcessorOptions) {
    const { settings, logger } = options;
    this.ledger = options.ledger;
    this.scheduler = new KeyedScheduler<UpdateJob>({
      concurrency: settings.PROCESSING_CONCURRENCY,
      laneConcurrency: settings.BOT_CONCURRENCY === 0 ? settings.PROCESSING_CONCURRENCY : settings.BOT_CONCURRENCY,
      maxBacklog: settings.MAX_BACKLOG,
      maxLaneBacklog: settings.MAX_BOT_BACKLOG,
      work: (job) => this.work(job),
      onWorkError: (job, error) => logger.error({ bot: job.botName, update_id: job.updateId, err: error }, "update runner crashed"),
    });
    // Before anything new can arrive: a chat's recovered updates keep their place ahead of its next ones.
    const recovered = this.ledger.recover();
    for (const job of recovered) this.scheduler.submit(job.botName, orderingKey(job.facts), job, true);
    if (recovered.length > 0) logger.info({ recovered: recovered.length }, "accepted updates from the last run found in the local store, handling them first");
  }

  /** Updates accepted and not yet done. */
  get size(): number {
    return this.scheduler.size;
  }

  /** Accepted updates of `botName` not done yet (live reload releases a removed bot once none is left). */
  pendingOf(botName: string): number {
    return this.scheduler.laneSize(botName);
  }

  /** Updates running now. */
  get activeCount(): number {
    return this.scheduler.activeCount;
  }

  /** Resolves when every accepted update is done. */
  onIdle(): Promise<void> {
    return this.scheduler.onIdle();
  }

  submit(botName: string, update: Update): SubmitResult | Promise<SubmitResult> {
    const { ledger } = this;
    if (!ledger.claim(botName, update.update_id)) return "duplicate";
    const job = newUpdateJob(botName, update);
    const result = this.scheduler.submit(botName, orderingKey(job.facts), job);
    if (result !== "accepted") {
      // Not taken: the sender's retry must not be mistaken for a duplicate.
      ledger.release(botName, update.update_id);
      return { refused: "backlog-full", scope: result === "backlog-full" ? "service" : "bot" };
    }
    const committed = ledger.record(job);
    if (committed === undefined) return "accepted";
    this.commits.set(job, committed);
    return committed.then(
      (): SubmitResult => "accepted",
      (error: unknown): SubmitResult => {
        // Given back before the 503 leaves: the sender's retry must be taken, not called a duplicate
        // (the job itself, already in the scheduler, will not run: see work()).
        ledger.release(botName, update.update_id);
        this.options.logger.error({ bot: botName, update_id: update.update_id, err: error }, "update not written to the local store, refused");
        return { refused: "store-unavailable", message: "the local store could not keep the update; retry later", cause: error };
      },
    );
  }

  async start(): Promise<void> {}

  async drain(deadlineMs: number): Promise<UnfinishedUpdate[]> {
    const { logger } = this.options;
    const pendingAtStart = this.scheduler.size;
    logger.info({ pending: pendingAtStart, deadlineMs }, "shutting down: intake closed, finishing accepted updates");
    const deadline = new AbortController();
    await Promise.race([this.scheduler.onIdle(), sleep(deadlineMs, deadline.signal).catch(() => undefined)]);
    deadline.abort();
    const unfinished = this.scheduler.pendingItems();
    for (const job of unfinished) {
      if (this.ledger.durable) {
        // Kept on disk: the next start runs it, so it is not given up.
        logger.warn({ bot: job.botName, update_id: job.updateId, attempts: job.attempts }, "update not finished at shutdown, kept in the local store for the next start");
      } else {
        logger.error({ bot: job.botName, update_id: job.updateId, attempts: job.attempts }, "update not finished at shutdown");
        this.options.observer?.settled?.(job.botName, "cancelled");
        this.options.onSettled?.(toRecord(job, "cancelled", "not finished before the shutdown deadline"));
      }
    }
    this.scheduler.dispose();
    logger.info({ finished: pendingAtStart - unfinished.length, unfinished: unfinished.length }, "accepted updates drained");
    return unfinished.map((job) => ({ bot: job.botName, update_id: job.updateId }));
  }

  async close(): Promise<void> {
    this.scheduler.dispose();
    this.ledger.close();
  }

  private async work(job: UpdateJob): Promise<WorkOutcome> {
    const commit = this.commits.get(job);
    if (commit !== undefined) {
      this.commits.delete(job);
      try {
        await commit;
      } catch {
        // Refused to its sender (503), whose retry is a job of its own: this one does not run. Its
        // claim was given back when the commit failed; a retry may hold it again by now.
        return { kind: "done" };
      }
    }
    const attempt = await this.options.runner.attempt(job);
    if (attempt.kind === "retry") {
      this.ledger.retrying(job);
      return attempt;
    }
    this.settle(job, attempt.status, attempt.error, attempt.handlerFile);
    return { kind: "done" };
  }

  private settle(job: UpdateJob, status: ProcessingStatus, error?: string, handlerFile?: string): void {
    // A final failure forgets the claim: the sender's redelivery of this update runs again.
    if (status !== "success") this.ledger.release(job.botName, job.updateId);
    this.ledger.done(job);
    this.options.observer?.settled?.(job.botName, status, error);
    // The record (dates, preview) is built only when someone listens.
    this.options.onSettled?.(toRecord(job, status, error, handlerFile));
  }
}
