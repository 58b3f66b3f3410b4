/**
 * Whether this deployment runs in queue mode, and where its Redis is. Decided once from the
 * validated settings: REDIS_URL turns queue mode on unless QUEUE_MODE says otherwise.
 */
import type { JournalSettings } from "../journal/journal-settings.ts";
import type { QueueSettings } from "./queue-settings.ts";

/** What the queues of a deployment are opened with, on either side (API, worker, CLI). */
export type QueueOpenSettings = QueueSettings & Pick<JournalSettings, "JOURNAL_MAX_ATTEMPTS">;

const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** Said by a process that only makes sense in queue mode (a worker, the jobs commands) when it is not. */
export const QUEUE_MODE_REQUIRED = `needs queue mode: set REDIS_URL to the deployment's Redis (or QUEUE_MODE=queue for ${DEFAULT_REDIS_URL})`;

export function isQueueMode(settings: Pick<QueueSettings, "REDIS_URL" | "QUEUE_MODE">): boolean {
  if (settings.QUEUE_MODE === "embedded") return false;
  return settings.QUEUE_MODE === "queue" || settings.REDIS_URL !== undefined;
}

export function redisUrlOf(settings: Pick<QueueSettings, "REDIS_URL">): string {
  return settings.REDIS_URL ?? DEFAULT_REDIS_URL;
}
