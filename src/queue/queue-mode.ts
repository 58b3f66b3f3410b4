/**
 * Whether this deployment runs in queue mode, and where its Redis is. Decided once from the
 * validated config: REDIS_URL turns queue mode on unless QUEUE_MODE says otherwise.
 */
import type { ServiceConfig } from "../config/service-config.ts";

export type QueueConfig = Pick<
  ServiceConfig,
  | "REDIS_URL"
  | "REDIS_CLUSTER"
  | "QUEUE_MODE"
  | "QUEUE_PREFIX"
  | "QUEUE_PARTITIONS"
  | "QUEUE_LOCK_DURATION_MS"
  | "QUEUE_STALLED_INTERVAL_MS"
  | "QUEUE_MAX_STALLED_COUNT"
  | "QUEUE_ADD_TIMEOUT_MS"
  | "QUEUE_KEEP_FAILED_SECONDS"
  | "QUEUE_KEEP_FAILED_COUNT"
  | "QUEUE_KEEP_COMPLETED_COUNT"
  | "JOURNAL_CONCURRENCY"
  | "JOURNAL_BATCH_MAX"
  | "JOURNAL_MAX_ATTEMPTS"
  | "JOURNAL_RETRY_BASE_MS"
  | "JOURNAL_MAX_RETRY_WAIT_SECONDS"
  | "DEDUP_WINDOW_SECONDS"
  | "RETRY_AFTER_SECONDS"
>;

const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

export function isQueueMode(config: Pick<ServiceConfig, "REDIS_URL" | "QUEUE_MODE">): boolean {
  if (config.QUEUE_MODE === "embedded") return false;
  return config.QUEUE_MODE === "queue" || config.REDIS_URL !== undefined;
}

export function redisUrlOf(config: Pick<ServiceConfig, "REDIS_URL">): string {
  return config.REDIS_URL ?? DEFAULT_REDIS_URL;
}
