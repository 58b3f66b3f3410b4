/**
 * What an operator does with jobs: counts per queue, the live workers and their partitions, the
 * failed jobs of either queue (updates with bot, update_id and error; `drf_save` jobs with their
 * records' bots and count), and running failed ones again. Works on an open QueueSet; the command
 * line wraps it.
 */
import type { Job, Queue } from "bullmq";
import { earlierLayoutCounts, leftBehind } from "../earlier-key-layout.ts";
import { journalRecordsIn } from "../journal-consumer.ts";
import { countsOf, type QueueCounts } from "../queue-counts.ts";
import type { QueueSettings } from "../queue-settings.ts";
import { isUpdateJobData } from "../update-job-data.ts";
import { JOURNAL_QUEUE, UPDATES_QUEUE, workersKeyOf, type QueueFamily } from "../queue-names.ts";
import { partitionShare } from "../partition-share.ts";
import { readLiveWorkers } from "../worker-membership.ts";
import type { RedisConnection } from "../redis-connection.ts";
import type { QueueSet } from "../update-queues.ts";

export interface FailedUpdate {
  /** `<queue>/<job id>`, what `jobs retry` takes. */
  id: string;
  bot: string | undefined;
  update_id: number | undefined;
  error: string;
  failed_at: string | undefined;
}

/** A live worker of `telegram_updates` and the partitions it watches. */
export interface WorkerShare {
  worker: string;
  /** Since its last heartbeat. */
  seen_ms_ago: number;
  partitions: number[];
}

/**
 * The live workers and each one's share, as they compute it themselves. Workers run with
 * QUEUE_SHARE_PARTITIONS=false watch every partition and are not listed (they keep no heartbeat).
 */
export async function workerShares(queues: QueueSet, config: { QUEUE_PREFIX: string; QUEUE_WORKER_TIMEOUT_MS: number }): Promise<WorkerShare[]> {
  const live = await readLiveWorkers(queues.connection, workersKeyOf(config.QUEUE_PREFIX), config.QUEUE_WORKER_TIMEOUT_MS);
  const ids = live.map((w) => w.id);
  return live.map((w) => ({ worker: w.id, seen_ms_ago: w.seenMsAgo, partitions: partitionShare(ids, w.id, queues.partitions.length) }));
}

/**
 * Jobs by state of each queue family; plus a row for jobs an earlier version left under its key
 * layout, when some wait or failed there (an upgrade that did not drain first: they wait for that
 * version).
 */
export async function jobStats(queues: QueueSet, config: Pick<QueueSettings, "QUEUE_PREFIX" | "QUEUE_PARTITIONS">): Promise<QueueCounts[]> {
  const stats = [await countsOf(UPDATES_QUEUE, queues.partitions), await countsOf(JOURNAL_QUEUE, [queues.journal])];
  const earlier = await earlierLayoutCounts(queues.connection, config);
  return leftBehind(earlier) ? [...stats, earlier] : stats;
}

/** `<queue>/<job id>`: how jobs are named to the operator, and what `jobs retry` takes. */
function jobRef(job: Job): string {
  return `${job.queueName}/${job.id ?? ""}`;
}

function failedAtOf(job: Job): string | undefined {
  return job.finishedOn === undefined ? undefined : new Date(job.finishedOn).toISOString();
}

function describeFailed(job: Job): FailedUpdate {
  const data: unknown = job.data;
  const update = isUpdateJobData(data) ? data : undefined;
  return {
    id: jobRef(job),
    bot: update?.bot,
    update_id: update === undefined ? undefined : update.update.update_id,
    error: job.failedReason,
    failed_at: failedAtOf(job),
  };
}

/** A failed `drf_save` job: journal records the sink did not take before attempts ran out. */
export interface FailedJournalJob {
  /** `drf_save/<job id>`, what `jobs retry` takes. */
  id: string;
  /** Records the job still holds (the ones delivered before are no longer in it). */
  records: number;
  /** Their bots, comma-separated. */
  bots: string;
  error: string;
  failed_at: string | undefined;
}

function describeFailedJournal(job: Job): FailedJournalJob {
  const records = journalRecordsIn(job.data) ?? [];
  return {
    id: jobRef(job),
    records: records.length,
    bots: [...new Set(records.map((r) => r.bot_name))].sort().join(","),
    error: job.failedReason,
    failed_at: failedAtOf(job),
  };
}

function isOfBot(family: QueueFamily, data: unknown, bot: string): boolean {
  if (family === JOURNAL_QUEUE) return (journalRecordsIn(data) ?? []).some((r) => r.bot_name === bot);
  return isUpdateJobData(data) && data.bot === bot;
}

async function failedJobs(queues: QueueSet, family: QueueFamily, bot: string | undefined): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const queue of family === JOURNAL_QUEUE ? [queues.journal] : queues.partitions) {
    for (const job of (await queue.getFailed()) as Job[]) {
      if (bot === undefined || isOfBot(family, job.data, bot)) jobs.push(job);
    }
  }
  return jobs.sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0));
}

/** Failed updates, newest first, optionally of one bot. */
export async function listFailedUpdates(queues: QueueSet, options: { bot?: string; limit?: number } = {}): Promise<FailedUpdate[]> {
  const jobs = await failedJobs(queues, UPDATES_QUEUE, options.bot);
  return jobs.slice(0, options.limit ?? jobs.length).map(describeFailed);
}

/** Failed `drf_save` jobs, newest first, optionally only those holding records of one bot. */
export async function listFailedJournalJobs(queues: QueueSet, options: { bot?: string; limit?: number } = {}): Promise<FailedJournalJob[]> {
  const jobs = await failedJobs(queues, JOURNAL_QUEUE, options.bot);
  return jobs.slice(0, options.limit ?? jobs.length).map(describeFailedJournal);
}

export interface RetryResult {
  retried: string[];
  /** Ids given that are not failed update jobs (unknown, or no longer failed). */
  notFound: string[];
  /**
   * Failed updates not run again because the same update was accepted again since (a sender's
   * redelivery, within the dedup window): it ran or will run there, and twice would reply twice.
   */
  redelivered: string[];
}

/**
 * Before a failed update runs again it takes back its claim on the update (BullMQ's
 * deduplication key, released when it failed) for the dedup window. "taken": a redelivery of the
 * same update holds it, so this one must not run.
 */
async function reclaimUpdate(redis: RedisConnection, queue: Queue, job: Job): Promise<"claimed" | "taken" | "unclaimed"> {
  const dedupId = job.deduplicationId;
  const ttlMs = job.opts.deduplication?.ttl;
  if (dedupId === undefined || dedupId === "" || ttlMs === undefined || job.id === undefined) return "unclaimed";
  // The key BullMQ's deduplication uses (`<prefix>:<queue>:de:<id>`); the value names the holder.
  const key = `${queue.keys.de}:${dedupId}`;
  if ((await redis.set(key, job.id, "PX", ttlMs, "NX")) === "OK") return "claimed";
  return (await redis.get(key)) === job.id ? "claimed" : "taken";
}

/**
 * Runs failed jobs again: the given ids (`<queue>/<job id>`, of either queue), or every failed
 * job of one queue family (holding updates or records of `bot`, when given).
 */
export async function retryFailedJobs(
  queues: QueueSet,
  selection: { ids: readonly string[] } | { family: QueueFamily; bot: string | undefined },
): Promise<RetryResult> {
  const result: RetryResult = { retried: [], notFound: [], redelivered: [] };
  let jobs: Job[];
  if ("ids" in selection) {
    jobs = [];
    for (const id of selection.ids) {
      const [queueName, jobId] = id.split("/");
      const queue = queues.all().find((q) => q.name === queueName);
      const job = queue === undefined || jobId === undefined ? undefined : ((await queue.getJob(jobId)) as Job | undefined);
      if (job === undefined || !(await job.isFailed())) result.notFound.push(id);
      else jobs.push(job);
    }
  } else {
    jobs = await failedJobs(queues, selection.family, selection.bot);
  }
  for (const job of jobs) {
    const id = jobRef(job);
    const queue = queues.all().find((q) => q.name === job.queueName);
    if (queue !== undefined && queue !== queues.journal && (await reclaimUpdate(queues.connection, queue, job)) === "taken") {
      result.redelivered.push(id);
      continue;
    }
    // An update goes back to the end of its partition: the chat's later updates have already run.
    // A drf_save job delivers the records it still holds, with its attempts counted anew.
    try {
      await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch (error) {
      // Still failed: its claim goes again, or a redelivery would be taken for a duplicate.
      await job.removeDeduplicationKey().catch(() => undefined);
      throw error;
    }
    result.retried.push(id);
  }
  return result;
}
