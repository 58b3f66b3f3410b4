/** The `--queues` option of the worker (`telegram_updates,drf_save`, like the old Celery command). */
import { QUEUE_FAMILIES, isQueueFamily, type QueueFamily } from "./queue-names.ts";

/** The queues to consume, or an error message naming what is wrong. Unset: every queue. */
export function parseQueueList(value: string | undefined): QueueFamily[] | string {
  if (value === undefined) return [...QUEUE_FAMILIES];
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0) return `--queues is empty; known queues: ${QUEUE_FAMILIES.join(", ")}`;
  const unknown = names.filter((name) => !isQueueFamily(name));
  if (unknown.length > 0) return `unknown queue ${unknown.map((n) => JSON.stringify(n)).join(", ")}; known queues: ${QUEUE_FAMILIES.join(", ")}`;
  return [...new Set(names as QueueFamily[])];
}
