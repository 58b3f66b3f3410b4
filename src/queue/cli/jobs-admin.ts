/**
 * What an operator does with jobs: counts per queue, the failed updates (with bot, update_id and
 * error), and running failed ones again. Works on an open QueueSet; the command line wraps it.
 */
import type { Job, Queue } from "bullmq";
import { isUpdateJobData } from "../update-job-data.ts";
import { JOURNAL_QUEUE, UPDATES_QUEUE } from "../queue-names.ts";
import type { QueueSet } from "../update-queues.ts";

export interface QueueCounts {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

export interface FailedUpdate {
  /** `<queue>/<job id>`, what `jobs retry` takes. */
  id: string;
  bot: string | undefined;
  update_id: number | undefined;
  error: string;
  failed_at: string | undefined;
}

async function countsOf(name: string, queues: readonly Queue[]): Promise<QueueCounts> {
  const total: QueueCounts = { queue: name, waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
  for (const queue of queues) {
    const counts = await queue.getJobCounts("wait", "prioritized", "active", "delayed", "failed", "completed");
    total.waiting += (counts.wait ?? 0) + (counts.prioritized ?? 0);
    total.active += counts.active ?? 0;
    total.delayed += counts.delayed ?? 0;
    total.failed += counts.failed ?? 0;
    total.completed += counts.completed ?? 0;
  }
  return total;
}

export async function jobStats(queues: QueueSet): Promise<QueueCounts[]> {
  return [await countsOf(UPDATES_QUEUE, queues.partitions), await countsOf(JOURNAL_QUEUE, [queues.journal])];
}

function describeFailed(job: Job): FailedUpdate {
  const data: unknown = job.data;
  const update = isUpdateJobData(data) ? data : undefined;
  return {
    id: `${job.queueName}/${job.id ?? ""}`,
    bot: update?.bot,
    update_id: update === undefined ? undefined : (update.update.update_id as number),
    error: job.failedReason,
    failed_at: job.finishedOn === undefined ? undefined : new Date(job.finishedOn).toISOString(),
  };
}

async function failedJobs(queues: QueueSet, bot: string | undefined): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const queue of queues.partitions) {
    for (const job of (await queue.getFailed()) as Job[]) {
      const data: unknown = job.data;
      if (bot === undefined || (isUpdateJobData(data) && data.bot === bot)) jobs.push(job);
    }
  }
  return jobs.sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0));
}

/** Failed updates, newest first, optionally of one bot. */
export async function listFailedUpdates(queues: QueueSet, options: { bot?: string; limit?: number } = {}): Promise<FailedUpdate[]> {
  const jobs = await failedJobs(queues, options.bot);
  return jobs.slice(0, options.limit ?? jobs.length).map(describeFailed);
}

export interface RetryResult {
  retried: string[];
  /** Ids given that are not failed update jobs (unknown, or no longer failed). */
  notFound: string[];
}

/** Runs failed updates again: the given ids (`<queue>/<job id>`), or every failed one (of `bot`). */
export async function retryFailedUpdates(queues: QueueSet, selection: { ids: readonly string[] } | { bot: string | undefined }): Promise<RetryResult> {
  const result: RetryResult = { retried: [], notFound: [] };
  let jobs: Job[];
  if ("ids" in selection) {
    jobs = [];
    for (const id of selection.ids) {
      const [queueName, jobId] = id.split("/");
      const queue = queues.partitions.find((q) => q.name === queueName);
      const job = queue === undefined || jobId === undefined ? undefined : ((await queue.getJob(jobId)) as Job | undefined);
      if (job === undefined || !(await job.isFailed())) result.notFound.push(id);
      else jobs.push(job);
    }
  } else {
    jobs = await failedJobs(queues, selection.bot);
  }
  for (const job of jobs) {
    // Back to the end of its partition: the chat's later updates have already run.
    await job.retry("failed");
    result.retried.push(`${job.queueName}/${job.id ?? ""}`);
  }
  return result;
}
