/**
 * Names of the queues and of their Redis keys. The two queues keep the old Celery names:
 * `telegram_updates` (split into partitions `telegram_updates.0` ... `telegram_updates.<P-1>`,
 * BullMQ names may not contain ':') and `drf_save` (the journal).
 *
 * Every key starts with a Redis Cluster hash tag, so the keys one Lua script touches share a slot
 * (BullMQ's scripts touch many keys of one queue; so does its deduplication, `<queue prefix>:de:<id>`):
 * - each partition has a tag of its own, the deployment's prefix and the partition, `{cb:3}`, so a
 *   Redis Cluster spreads the partitions, and with them the load, over its shards;
 * - `drf_save` and the worker membership set keep the deployment's tag, `{cb}`.
 * The ':' cannot appear in QUEUE_PREFIX, so no deployment's tag is another's partition tag, and
 * `{cb}:*` plus `{cb:*` are exactly one deployment's queue keys.
 */

export const UPDATES_QUEUE = "telegram_updates";
export const JOURNAL_QUEUE = "drf_save";
export const QUEUE_FAMILIES = [UPDATES_QUEUE, JOURNAL_QUEUE] as const;
export type QueueFamily = (typeof QUEUE_FAMILIES)[number];

/** BullMQ's `prefix` of `drf_save`: `{cb}` gives keys like `{cb}:drf_save:wait`. */
export function keyPrefixOf(prefix: string): string {
  return `{${prefix}}`;
}

/** BullMQ's `prefix` of one partition: `{cb:3}` gives keys like `{cb:3}:telegram_updates.3:wait`. */
export function partitionKeyPrefixOf(prefix: string, partition: number): string {
  return `{${prefix}:${partition}}`;
}

/**
 * The `prefix` every partition had before each got its own tag (all under `{cb}`, one slot).
 * Only read, to find jobs an earlier version left behind (see earlier-key-layout.ts).
 */
export function earlierPartitionKeyPrefixOf(prefix: string): string {
  return keyPrefixOf(prefix);
}

export function partitionQueueName(partition: number): string {
  return `${UPDATES_QUEUE}.${partition}`;
}

export function isQueueFamily(name: string): name is QueueFamily {
  return (QUEUE_FAMILIES as readonly string[]).includes(name);
}

/** The sorted set of the live workers of `telegram_updates` (WorkerMembership). */
export function workersKeyOf(prefix: string): string {
  return `${keyPrefixOf(prefix)}:${UPDATES_QUEUE}:workers`;
}
