/**
 * Jobs an earlier version left under its key layout, where every partition of `telegram_updates`
 * was `{cb}:telegram_updates.<n>` (one hash tag for the whole deployment). This version's
 * partitions are `{cb:<n>}:telegram_updates.<n>`: nothing consumes the earlier keys any more, so
 * an upgrade drains them first (docs/queue-mode.md, "Upgrading"). These counts tell whether that
 * was done: `jobs stats` shows them as a row of their own, and a worker warns at start.
 * `drf_save` and the worker membership set kept their keys.
 */
import { QueueKeys } from "bullmq";
import type { Logger } from "pino";
import type { QueueCounts } from "./queue-counts.ts";
import { earlierPartitionKeyPrefixOf, partitionQueueName, UPDATES_QUEUE } from "./queue-names.ts";
import type { QueueSettings } from "./queue-settings.ts";
import type { RedisConnection } from "./redis-connection.ts";

/** How `jobs stats` names the row. */
export const EARLIER_LAYOUT_ROW = `${UPDATES_QUEUE} (earlier key layout)`;

/** Each state's BullMQ key (a list or a sorted set) and the count it adds to. */
const STATES = [
  { key: "wait", list: true, count: "waiting" },
  { key: "paused", list: true, count: "waiting" },
  { key: "prioritized", list: false, count: "waiting" },
  { key: "waiting-children", list: false, count: "waiting" },
  { key: "active", list: true, count: "active" },
  { key: "delayed", list: false, count: "delayed" },
  { key: "failed", list: false, count: "failed" },
  { key: "completed", list: false, count: "completed" },
] as const;

/**
 * The jobs under the earlier layout's partitions 0 ... QUEUE_PARTITIONS-1, by state. Read with
 * plain LLEN/ZCARD in one pipeline (the keys share the `{cb}` slot): a BullMQ Queue opened on
 * them would write their meta, and create the very keys it looks for.
 */
export async function earlierLayoutCounts(connection: RedisConnection, settings: Pick<QueueSettings, "QUEUE_PREFIX" | "QUEUE_PARTITIONS">): Promise<QueueCounts> {
  const keys = new QueueKeys(earlierPartitionKeyPrefixOf(settings.QUEUE_PREFIX));
  const pipeline = connection.pipeline();
  for (let i = 0; i < settings.QUEUE_PARTITIONS; i++) {
    const queueKeys = keys.getKeys(partitionQueueName(i));
    for (const state of STATES) {
      const key = queueKeys[state.key] ?? "";
      if (state.list) pipeline.llen(key);
      else pipeline.zcard(key);
    }
  }
  const total: QueueCounts = { queue: EARLIER_LAYOUT_ROW, waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
  const answers = (await pipeline.exec()) ?? [];
  answers.forEach(([error, value], i) => {
    if (error !== null) throw error;
    const state = STATES[i % STATES.length];
    if (state !== undefined) total[state.count] += Number(value);
  });
  return total;
}

/** Jobs an operator has to deal with: still to run, or failed (completed ones are only history). */
export function leftBehind(counts: QueueCounts): boolean {
  return counts.waiting + counts.active + counts.delayed + counts.failed > 0;
}

/** Logs a warning when jobs wait under the earlier layout (a worker, at start); quiet otherwise, and if Redis cannot say. */
export async function warnAboutEarlierLayout(connection: RedisConnection, settings: Pick<QueueSettings, "QUEUE_PREFIX" | "QUEUE_PARTITIONS">, logger: Logger): Promise<void> {
  let counts: QueueCounts;
  try {
    counts = await earlierLayoutCounts(connection, settings);
  } catch (error) {
    logger.debug({ err: error instanceof Error ? error.message : String(error) }, "earlier key layout not checked");
    return;
  }
  if (!leftBehind(counts)) return;
  const { queue: _queue, ...jobs } = counts;
  logger.warn(
    { ...jobs, keys: `${earlierPartitionKeyPrefixOf(settings.QUEUE_PREFIX)}:${UPDATES_QUEUE}.*` },
    "jobs of an earlier key layout are in Redis and no worker of this version runs them: drain them with the earlier version (docs/queue-mode.md, Upgrading)",
  );
}
