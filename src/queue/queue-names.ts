/**
 * Names of the queues and of their Redis keys. The two queues keep the old Celery names:
 * `telegram_updates` (split into partitions `telegram_updates.0` ... `telegram_updates.<P-1>`,
 * BullMQ names may not contain ':') and `drf_save` (the journal). Every key starts with the
 * deployment's prefix in braces, a Redis Cluster hash tag, so each Lua script's keys share a slot.
 */

export const UPDATES_QUEUE = "telegram_updates";
export const JOURNAL_QUEUE = "drf_save";
export const QUEUE_FAMILIES = [UPDATES_QUEUE, JOURNAL_QUEUE] as const;
export type QueueFamily = (typeof QUEUE_FAMILIES)[number];

/** BullMQ's `prefix` option: `{cb}` gives keys like `{cb}:telegram_updates.3:wait`. */
export function keyPrefixOf(prefix: string): string {
  return `{${prefix}}`;
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
