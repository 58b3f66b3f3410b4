/**
 * The worker side of queue mode, as the processor of a worker process: consumes the queues it is
 * given, its share of the partitions of `telegram_updates` (one BullMQ Worker each, one job at a
 * time per partition across all workers; the share follows the live workers, see
 * WorkerMembership and partitionShare) and/or `drf_save`. Draining works like the embedded
 * processor's: no new jobs, running ones finish up to the deadline; jobs only waiting for a retry
 * are then handed back to their partition, and what still runs is reported (its lock expires and
 * another worker picks it up).
 */
import { Worker, type Job } from "bullmq";
import type { Logger } from "pino";
import type { Processor, ProcessorReadiness, UnfinishedUpdate } from "../host/processor.ts";
import type { JournalSettings } from "../journal/journal-settings.ts";
import { LogJournalSink, type JournalLogSettings } from "../journal/log-journal-sink.ts";
import type { ProcessedUpdateRecord, SettledListener } from "../processing/update-job.ts";
import type { UpdateObserver } from "../processing/update-observer.ts";
import type { UpdateRunner } from "../processing/update-runner.ts";
import { sleep } from "../telegram/backoff.ts";
import { UpdateFailedError } from "../errors/update-failed-error.ts";
import { warnAboutEarlierLayout } from "./earlier-key-layout.ts";
import { JournalBatcher } from "./journal-batcher.ts";
import { createJournalProcessor, journalBackoffMs, type QueueJournalSink } from "./journal-consumer.ts";
import { partitionShare } from "./partition-share.ts";
import type { QueueOpenSettings } from "./queue-mode.ts";
import { JOURNAL_QUEUE, keyPrefixOf, partitionKeyPrefixOf, partitionQueueName, UPDATES_QUEUE, workersKeyOf, type QueueFamily } from "./queue-names.ts";
import type { RedisConnection } from "./redis-connection.ts";
import { withScrubbedErrors } from "./scrubbed-job-errors.ts";
import { abandonedUpdateRecord, createUpdateJobHandler } from "./update-job-handler.ts";
import { openQueues, type QueueSet } from "./update-queues.ts";
import { WorkerMembership } from "./worker-membership.ts";

export interface QueueWorkerOptions {
  settings: QueueOpenSettings & Pick<JournalSettings, "JOURNAL_CONCURRENCY" | "JOURNAL_RETRY_BASE_MS" | "JOURNAL_MAX_RETRY_WAIT_SECONDS"> & JournalLogSettings;
  logger: Logger;
  /** A worker connection (createWorkerConnection): commands wait while Redis is away. */
  connection: RedisConnection;
  /** Which queues this process consumes. */
  queues: readonly QueueFamily[];
  runner: UpdateRunner;
  /** Where drf_save records go. @defaultValue the log, as JOURNAL_LOG says (by default: nowhere) */
  journalSink?: QueueJournalSink;
  onSettled?: SettledListener;
  /** Removes secrets from what a job's failure leaves in Redis (its reason, its stack). */
  scrub: (text: string) => string;
  observer?: UpdateObserver;
}

/** After the deadline, how long handlers still running get before they are reported unfinished. */
const HANDBACK_GRACE_MS = 1_000;

type WorkerState = "built" | "consuming" | "draining" | "closed";

export class QueueWorker implements Processor {
  private readonly queueSet: QueueSet;
  /** Aborted at the shutdown deadline: jobs waiting for a retry hand themselves back. */
  private readonly deadline = new AbortController();
  /** Update jobs running now (the shutdown report, the in-flight gauge). */
  private readonly running = new Map<string, { bot: string; update_id: number }>();
  /** The partitions this worker watches now. */
  private readonly partitionWorkers = new Map<number, Worker>();
  private journalWorker: Worker | undefined;
  /** Workers of partitions handed to another worker, closing (each finishes its job first). */
  private readonly retiring = new Set<Promise<void>>();
  /** Each started Worker's run loop, until it ends. */
  private readonly runs = new Set<Promise<void>>();
  private membership: WorkerMembership | undefined;
  private journal: JournalBatcher | undefined;
  private state: WorkerState = "built";
  /** Every BullMQ Worker closed within the deadline: the queues may close too. */
  private drained = false;

  constructor(private readonly options: QueueWorkerOptions) {
    this.queueSet = openQueues(options.connection, options.settings, options.logger);
  }

  async start(): Promise<void> {
    this.state = "consuming";
    const { settings, logger } = this.options;
    if (this.options.queues.includes(UPDATES_QUEUE)) {
      const journal = new JournalBatcher(this.queueSet.journal, settings.JOURNAL_BATCH_MAX);
      this.journal = journal;
      const handler = withScrubbedErrors(
        createUpdateJobHandler({
          runner: this.options.runner,
          logger,
          journal,
          onSettled: (record) => this.options.onSettled?.(record),
          observer: this.options.observer,
          deadline: this.deadline.signal,
          running: this.running,
        }),
        this.options.scrub,
      );
      // One job at a time per partition, over every worker: this is what keeps a chat in order.
      for (const queue of this.queueSet.partitions) await queue.setGlobalConcurrency(1);
      // An upgrade that did not drain first left updates that no worker of this version runs: say so.
      void warnAboutEarlierLayout(this.options.connection, settings, logger);
      const all = this.queueSet.partitions.map((_, partition) => partition);
      if (settings.QUEUE_SHARE_PARTITIONS) {
        const membership = new WorkerMembership({
          redis: this.options.connection,
          key: workersKeyOf(settings.QUEUE_PREFIX),
          heartbeatMs: settings.QUEUE_WORKER_HEARTBEAT_MS,
          timeoutMs: settings.QUEUE_WORKER_TIMEOUT_MS,
          logger,
          onMembers: (members) => this.watchPartitions(partitionShare(members, membership.id, settings.QUEUE_PARTITIONS), handler, members.length),
        });
        this.membership = membership;
        await membership.join();
        // The first heartbeat failed (a script Redis refused, say): watch everything until one goes through.
        if (this.partitionWorkers.size === 0 && this.state === "consuming") this.watchPartitions(all, handler, 1);
      } else {
        this.watchPartitions(all, handler, 1);
      }
    }
    if (this.options.queues.includes(JOURNAL_QUEUE)) {
      const journalLogger = logger.child({ component: "journal" });
      const sink = this.options.journalSink ?? new LogJournalSink(journalLogger, settings);
      const backoff = { baseMs: settings.JOURNAL_RETRY_BASE_MS, maxWaitMs: settings.JOURNAL_MAX_RETRY_WAIT_SECONDS * 1000 };
      this.journalWorker = this.run(
        this.watch(
          new Worker(JOURNAL_QUEUE, withScrubbedErrors(createJournalProcessor(sink, { concurrency: settings.JOURNAL_CONCURRENCY, logger: journalLogger }), this.options.scrub), {
            ...this.workerOptions(keyPrefixOf(settings.QUEUE_PREFIX)),
            concurrency: settings.JOURNAL_CONCURRENCY,
            settings: { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => journalBackoffMs(attemptsMade, error, backoff) },
          }),
        ),
      );
    }
  }

  async drain(deadlineMs: number): Promise<UnfinishedUpdate[]> {
    const { logger } = this.options;
    logger.info({ running: this.running.size, deadlineMs }, "shutting down: no new jobs, finishing running ones");
    this.state = "draining";
    // Out of the members first: the others take this worker's partitions while it drains.
    await this.membership?.leave();
    const workers = [...this.partitionWorkers.values(), ...(this.journalWorker === undefined ? [] : [this.journalWorker])];
    const closed = Promise.all([...workers.map((worker) => worker.close()), ...this.retiring]).then(() => true);
    const timer = new AbortController();
    let drained = await Promise.race([closed, sleep(deadlineMs, timer.signal).then(() => false, () => false)]);
    if (!drained) {
      // Jobs waiting for a retry hand themselves back; handlers still running get a short grace.
      this.deadline.abort();
      drained = await Promise.race([closed, sleep(HANDBACK_GRACE_MS, timer.signal).then(() => false, () => false)]);
    }
    timer.abort();
    this.drained = drained;
    const unfinished = [...this.running.values()];
    for (const item of unfinished) {
      logger.error({ bot: item.bot, update_id: item.update_id }, "update not finished at shutdown (another worker takes it over when its lock expires)");
    }
    return unfinished.map((item) => ({ bot: item.bot, update_id: item.update_id }));
  }

  /** Update jobs running now. */
  get inFlight(): number {
    return this.running.size;
  }

  /**
   * Ready while Redis answers and the worker consumes what it was started for (with
   * telegram_updates: at least one partition watched); not while it drains.
   */
  readiness(): ProcessorReadiness {
    const redis = this.options.connection.status === "ready";
    const updates = this.options.queues.includes(UPDATES_QUEUE);
    const partitions = [...this.partitionWorkers.keys()].sort((a, b) => a - b);
    const ready = redis && this.state === "consuming" && (!updates || partitions.length > 0);
    return {
      ready,
      facts: {
        worker: {
          id: this.membership?.id,
          state: this.state,
          redis: redis ? "reachable" : "unreachable",
          queues: this.options.queues,
          ...(updates ? { partitions, of: this.options.settings.QUEUE_PARTITIONS } : {}),
        },
      },
    };
  }

  async close(): Promise<void> {
    this.state = "closed";
    // Workers still running a handler keep their connection until the process exits.
    if (!this.drained) return;
    await Promise.allSettled([...this.runs]);
    await this.queueSet.close();
  }

  /** `prefix`: the queue's key prefix, its hash tag (queue-names.ts). */
  private workerOptions(prefix: string) {
    const { settings } = this.options;
    return {
      connection: this.options.connection,
      prefix,
      autorun: false,
      lockDuration: settings.QUEUE_LOCK_DURATION_MS,
      stalledInterval: settings.QUEUE_STALLED_INTERVAL_MS,
      maxStalledCount: settings.QUEUE_MAX_STALLED_COUNT,
    };
  }

  private settle(record: ProcessedUpdateRecord): void {
    this.options.observer?.settled?.(record.bot_name, record.status, record.error);
    this.options.onSettled?.(record);
  }

  private watch(worker: Worker): Worker {
    const log = this.options.logger.child({ queue: worker.name });
    worker.on("error", (error: Error) => log.debug({ err: error.message }, "worker error"));
    worker.on("stalled", (jobId: string) => log.warn({ job: jobId }, "job stalled (its worker stopped answering); it runs again"));
    worker.on("failed", (job: Job | undefined, error: Error) => {
      if (job === undefined || error instanceof UpdateFailedError) return;
      log.error({ job: job.id, err: error }, "job failed");
      if (worker.name === JOURNAL_QUEUE) return;
      // A job failed outside the runner (too many stalls): its update may be delivered again.
      job.removeDeduplicationKey().catch(() => undefined);
      // The runner never settled a poison update: its record is written here.
      const record = abandonedUpdateRecord(job);
      const journal = this.journal;
      if (record === undefined || journal === undefined) return;
      this.settle(record);
      journal.add(record).catch((journalError: unknown) => log.error({ job: job.id, err: journalError }, "journal record of a failed job not written"));
    });
    return worker;
  }

  private run(worker: Worker): Worker {
    const loop: Promise<void> = worker
      .run()
      .catch((error: unknown) => this.options.logger.error({ queue: worker.name, err: error }, "worker stopped with an error"))
      .finally(() => this.runs.delete(loop));
    this.runs.add(loop);
    return worker;
  }

  /** Watches exactly `share` of the partitions: starts the missing ones, closes the others. */
  private watchPartitions(share: readonly number[], handler: (job: Job, token?: string) => Promise<void>, workerCount: number): void {
    if (this.state !== "consuming") return;
    const { settings, logger } = this.options;
    const wanted = new Set(share);
    for (const [partition, worker] of this.partitionWorkers) {
      if (wanted.has(partition)) continue;
      this.partitionWorkers.delete(partition);
      // Its job in progress finishes here; the partition's next job waits for it (global concurrency 1).
      const closing: Promise<void> = worker
        .close()
        .catch((error: unknown) => logger.debug({ queue: worker.name, err: error }, "worker close failed"))
        .finally(() => this.retiring.delete(closing));
      this.retiring.add(closing);
    }
    for (const partition of share) {
      if (this.partitionWorkers.has(partition)) continue;
      this.partitionWorkers.set(partition, this.run(this.watch(new Worker(partitionQueueName(partition), handler, { ...this.workerOptions(partitionKeyPrefixOf(settings.QUEUE_PREFIX, partition)), concurrency: 1 }))));
    }
    logger.info({ worker: this.membership?.id, partitions: [...share], of: settings.QUEUE_PARTITIONS, workers: workerCount }, "watching partitions");
  }
}
