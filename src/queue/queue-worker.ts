/**
 * A queue-mode worker process: loads the same bots as the API (same loader, same plugins), then
 * consumes the queues it is given: its share of the partitions of `telegram_updates` (one BullMQ
 * Worker each, one job at a time per partition across all workers; the share follows the live
 * workers, see WorkerMembership and partitionShare) and/or `drf_save`.
 * `stop()` drains like the core: no new jobs, running ones finish up to the deadline; jobs only
 * waiting for a retry are then handed back to their partition, and what still runs is reported
 * (its lock expires and another worker picks it up).
 */
import { Worker, type Job } from "bullmq";
import type { RedisConnection } from "./redis-connection.ts";
import type { Logger } from "pino";
import { startBots, type BotRegistry } from "../bots/bot-registry.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import type { SecretScrubber } from "../logging/secret-scrubber.ts";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { loadServiceBots, type StopReport } from "../service/build-service.ts";
import type { PluginContext, ServicePlugin } from "../service/service-plugin.ts";
import { sleep } from "../telegram/backoff.ts";
import { createJournalProcessor, journalBackoffMs, type QueueJournalSink } from "./journal-consumer.ts";
import { JournalBatcher } from "./journal-batcher.ts";
import { LogJournalSink } from "../journal/log-journal-sink.ts";
import { JOURNAL_QUEUE, keyPrefixOf, partitionQueueName, UPDATES_QUEUE, workersKeyOf, type QueueFamily } from "./queue-names.ts";
import { openQueues, type QueueSet } from "./update-queues.ts";
import { partitionShare } from "./partition-share.ts";
import { WorkerMembership } from "./worker-membership.ts";
import { abandonedUpdateRecord, createUpdateProcessor } from "./update-processor.ts";
import { UpdateFailedError } from "../errors/update-failed-error.ts";

export interface QueueWorkerDeps {
  config: ServiceConfig;
  logger: Logger;
  scrubber: SecretScrubber;
  /** A worker connection (createWorkerConnection): commands wait while Redis is away. */
  connection: RedisConnection;
  /** Which queues this process consumes. */
  queues: readonly QueueFamily[];
  /** Where drf_save records go. @defaultValue one "journal record" log line each */
  journalSink?: QueueJournalSink;
  plugins?: readonly ServicePlugin[];
  /** Each settled update (tests listen here). */
  onSettled?: (record: ProcessedUpdateRecord) => void;
}

export interface QueueWorker {
  registry: BotRegistry;
  /** Starts the bots (getMe, in the background) and begins consuming. */
  start(): Promise<void>;
  stop(deadlineMs?: number): Promise<StopReport>;
}

/** After the deadline, how long handlers still running get before they are reported unfinished. */
const HANDBACK_GRACE_MS = 1_000;

export async function buildQueueWorker(deps: QueueWorkerDeps): Promise<QueueWorker> {
  const { config, logger, connection } = deps;
  const plugins = deps.plugins ?? [];
  const registry = await loadServiceBots({ config, logger, scrubber: deps.scrubber, plugins });
  const queues: QueueSet = openQueues(connection, config, logger);
  const deadline = new AbortController();
  const running = new Map<string, { bot: string; update_id: number }>();
  /** The partitions this worker watches now, and the journal's worker. */
  const partitionWorkers = new Map<number, Worker>();
  let journalWorker: Worker | undefined;
  /** Workers of partitions handed to another worker, closing (each finishes its job first). */
  const retiring = new Set<Promise<void>>();
  /** Each started Worker's run loop, until it ends. */
  const runs = new Set<Promise<void>>();
  let membership: WorkerMembership | undefined;
  let stopping = false;
  const startAbort = new AbortController();
  let botsStarted: Promise<void> = Promise.resolve();
  // Plugins see no HTTP intake here; a closed stub keeps the context shape.
  const pluginContext: PluginContext = { config, logger, registry, intake: { closed: true, accept: () => Promise.reject(new Error("no intake in a worker")) } };

  const workerOptions = {
    connection,
    prefix: keyPrefixOf(config.QUEUE_PREFIX),
    autorun: false,
    lockDuration: config.QUEUE_LOCK_DURATION_MS,
    stalledInterval: config.QUEUE_STALLED_INTERVAL_MS,
    maxStalledCount: config.QUEUE_MAX_STALLED_COUNT,
  };

  let journal: JournalBatcher | undefined;
  function settle(record: ProcessedUpdateRecord): void {
    deps.onSettled?.(record);
    for (const plugin of plugins) plugin.onSettled?.(record);
  }

  function watch(worker: Worker): Worker {
    const log = logger.child({ queue: worker.name });
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
      if (record === undefined || journal === undefined) return;
      settle(record);
      journal.add(record).catch((journalError: unknown) => log.error({ job: job.id, err: journalError }, "journal record of a failed job not written"));
    });
    return worker;
  }

  function run(worker: Worker): Worker {
    const loop: Promise<void> = worker
      .run()
      .catch((error: unknown) => logger.error({ queue: worker.name, err: error }, "worker stopped with an error"))
      .finally(() => runs.delete(loop));
    runs.add(loop);
    return worker;
  }

  /** Watches exactly `share` of the partitions: starts the missing ones, closes the others. */
  function watchPartitions(share: readonly number[], processUpdate: ReturnType<typeof createUpdateProcessor>, workerCount: number): void {
    if (stopping) return;
    const wanted = new Set(share);
    for (const [partition, worker] of partitionWorkers) {
      if (wanted.has(partition)) continue;
      partitionWorkers.delete(partition);
      // Its job in progress finishes here; the partition's next job waits for it (global concurrency 1).
      const closing: Promise<void> = worker
        .close()
        .catch((error: unknown) => logger.debug({ queue: worker.name, err: error }, "worker close failed"))
        .finally(() => retiring.delete(closing));
      retiring.add(closing);
    }
    for (const partition of share) {
      if (partitionWorkers.has(partition)) continue;
      partitionWorkers.set(partition, run(watch(new Worker(partitionQueueName(partition), processUpdate, { ...workerOptions, concurrency: 1 }))));
    }
    logger.info({ worker: membership?.id, partitions: [...share], of: config.QUEUE_PARTITIONS, workers: workerCount }, "watching partitions");
  }

  async function startConsuming(): Promise<void> {
    if (deps.queues.includes(UPDATES_QUEUE)) {
      journal = new JournalBatcher(queues.journal, config.JOURNAL_BATCH_MAX);
      const processUpdate = createUpdateProcessor({
        registry,
        logger,
        config,
        journal,
        onSettled: settle,
        deadline: deadline.signal,
        running,
      });
      // One job at a time per partition, over every worker: this is what keeps a chat in order.
      for (const queue of queues.partitions) await queue.setGlobalConcurrency(1);
      const all = queues.partitions.map((_, partition) => partition);
      if (config.QUEUE_SHARE_PARTITIONS) {
        const self = new WorkerMembership({
          redis: connection,
          key: workersKeyOf(config.QUEUE_PREFIX),
          heartbeatMs: config.QUEUE_WORKER_HEARTBEAT_MS,
          timeoutMs: config.QUEUE_WORKER_TIMEOUT_MS,
          logger,
          onMembers: (members) => watchPartitions(partitionShare(members, self.id, config.QUEUE_PARTITIONS), processUpdate, members.length),
        });
        membership = self;
        await self.join();
        // The first heartbeat failed (a script Redis refused, say): watch everything until one goes through.
        if (partitionWorkers.size === 0 && !stopping) watchPartitions(all, processUpdate, 1);
      } else {
        watchPartitions(all, processUpdate, 1);
      }
    }
    if (deps.queues.includes(JOURNAL_QUEUE)) {
      const sink = deps.journalSink ?? new LogJournalSink(logger.child({ component: "journal" }));
      journalWorker = run(
        watch(
          new Worker(JOURNAL_QUEUE, createJournalProcessor(sink, { concurrency: config.JOURNAL_CONCURRENCY, logger: logger.child({ component: "journal" }) }), {
            ...workerOptions,
            concurrency: config.JOURNAL_CONCURRENCY,
            settings: { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => journalBackoffMs(attemptsMade, error, { baseMs: config.JOURNAL_RETRY_BASE_MS, maxWaitMs: config.JOURNAL_MAX_RETRY_WAIT_SECONDS * 1000 }) },
          }),
        ),
      );
    }
  }

  return {
    registry,
    async start() {
      botsStarted = startBots(registry, { logger, concurrency: config.GETME_CONCURRENCY, signal: startAbort.signal });
      for (const plugin of plugins) await plugin.start?.(pluginContext);
      await startConsuming();
    },
    async stop(deadlineMs = config.SHUTDOWN_DEADLINE_MS) {
      for (const plugin of plugins) {
        await plugin.beginShutdown?.(pluginContext).catch((error: unknown) => logger.error({ err: error, plugin: plugin.name }, "plugin failed to begin shutdown"));
      }
      logger.info({ running: running.size, deadlineMs }, "shutting down: no new jobs, finishing running ones");
      stopping = true;
      // Out of the members first: the others take this worker's partitions while it drains.
      await membership?.leave();
      const workers = [...partitionWorkers.values(), ...(journalWorker === undefined ? [] : [journalWorker])];
      const closed = Promise.all([...workers.map((worker) => worker.close()), ...retiring]).then(() => true);
      const timer = new AbortController();
      let drained = await Promise.race([closed, sleep(deadlineMs, timer.signal).then(() => false, () => false)]);
      if (!drained) {
        // Jobs waiting for a retry hand themselves back; handlers still running get a short grace.
        deadline.abort();
        drained = await Promise.race([closed, sleep(HANDBACK_GRACE_MS, timer.signal).then(() => false, () => false)]);
      }
      timer.abort();
      const unfinished = [...running.values()];
      for (const item of unfinished) {
        logger.error({ bot: item.bot, update_id: item.update_id }, "update not finished at shutdown (another worker takes it over when its lock expires)");
      }
      for (const plugin of [...plugins].reverse()) {
        await plugin.stop?.(pluginContext).catch((error: unknown) => logger.error({ err: error, plugin: plugin.name }, "plugin failed to stop"));
      }
      startAbort.abort();
      await botsStarted;
      if (drained) {
        await Promise.allSettled([...runs]);
        await queues.close();
      }
      logger.info({ unfinished: unfinished.length }, "shutdown complete");
      return { unfinished: unfinished.map((item) => ({ bot: item.bot, update_id: item.update_id })) };
    },
  };
}
