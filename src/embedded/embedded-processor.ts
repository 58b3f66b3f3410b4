/**
 * The embedded processor (the default): admitted updates wait in the in-process keyed scheduler
 * (per-chat order, per-bot fairness, bounded backlog) and run through the shared update runner.
 * It owns the duplicate claims: taken when an update is submitted, released when its processing
 * finally failed or it could not be taken, so a redelivery of it runs again.
 */
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import type { SubmitResult, UpdateSubmitter } from "../admission/update-submitter.ts";
import type { Processor, UnfinishedUpdate } from "../host/processor.ts";
import type { ProcessingSettings } from "../processing/processing-settings.ts";
import { orderingKey } from "../processing/update-key.ts";
import { newUpdateJob, toRecord, type ProcessingStatus, type SettledListener, type UpdateJob } from "../processing/update-job.ts";
import type { UpdateRunner } from "../processing/update-runner.ts";
import { sleep } from "../telegram/backoff.ts";
import { DedupWindow } from "./dedup-window.ts";
import type { EmbeddedSettings } from "./embedded-settings.ts";
import { KeyedScheduler, type WorkOutcome } from "./keyed-scheduler.ts";

export interface EmbeddedProcessorOptions {
  settings: EmbeddedSettings & Pick<ProcessingSettings, "DEDUP_WINDOW_SECONDS">;
  runner: UpdateRunner;
  logger: Logger;
  /** Hears of each processed update, once (journal, tests). Unset: no record is built. */
  onSettled?: SettledListener;
}

export class EmbeddedProcessor implements UpdateSubmitter, Processor {
  private readonly dedup: DedupWindow | undefined;
  private readonly scheduler: KeyedScheduler<UpdateJob>;

  constructor(private readonly options: EmbeddedProcessorOptions) {
    const { settings, logger } = options;
    this.dedup = settings.DEDUP_WINDOW_SECONDS > 0 ? new DedupWindow(settings.DEDUP_WINDOW_SECONDS * 1000, settings.DEDUP_MAX_ENTRIES) : undefined;
    this.scheduler = new KeyedScheduler<UpdateJob>({
      concurrency: settings.PROCESSING_CONCURRENCY,
      laneConcurrency: settings.BOT_CONCURRENCY,
      maxBacklog: settings.MAX_BACKLOG,
      maxLaneBacklog: settings.MAX_BOT_BACKLOG,
      work: (job) => this.work(job),
      onWorkError: (job, error) => logger.error({ bot: job.botName, update_id: job.updateId, err: error }, "update runner crashed"),
    });
  }

  /** Updates accepted and not yet done. */
  get size(): number {
    return this.scheduler.size;
  }

  /** Updates running now. */
  get activeCount(): number {
    return this.scheduler.activeCount;
  }

  /** Resolves when every accepted update is done. */
  onIdle(): Promise<void> {
    return this.scheduler.onIdle();
  }

  submit(botName: string, update: Update): SubmitResult {
    const { dedup } = this;
    if (dedup !== undefined && !dedup.claim(botName, update.update_id)) return "duplicate";
    const job = newUpdateJob(botName, update);
    const result = this.scheduler.submit(botName, orderingKey(job.facts), job);
    if (result === "accepted") return "accepted";
    // Not taken: the sender's retry must not be mistaken for a duplicate.
    dedup?.release(botName, update.update_id);
    return { refused: "backlog-full", scope: result === "backlog-full" ? "service" : "bot" };
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
      logger.error({ bot: job.botName, update_id: job.updateId, attempts: job.attempts }, "update not finished at shutdown");
      this.options.onSettled?.(toRecord(job, "cancelled", "not finished before the shutdown deadline"));
    }
    this.scheduler.dispose();
    logger.info({ finished: pendingAtStart - unfinished.length, unfinished: unfinished.length }, "accepted updates drained");
    return unfinished.map((job) => ({ bot: job.botName, update_id: job.updateId }));
  }

  async close(): Promise<void> {
    this.scheduler.dispose();
  }

  private async work(job: UpdateJob): Promise<WorkOutcome> {
    const attempt = await this.options.runner.attempt(job);
    if (attempt.kind === "retry") return attempt;
    this.settle(job, attempt.status, attempt.error, attempt.handlerFile);
    return { kind: "done" };
  }

  private settle(job: UpdateJob, status: ProcessingStatus, error?: string, handlerFile?: string): void {
    // A final failure forgets the claim: the sender's redelivery of this update runs again.
    if (status !== "success") this.dedup?.release(job.botName, job.updateId);
    // The record (dates, preview) is built only when someone listens.
    this.options.onSettled?.(toRecord(job, status, error, handlerFile));
  }
}
