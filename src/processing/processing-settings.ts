/**
 * Settings of handling one update, the same in both processors: how often a failing update runs,
 * how long a handler may run before it is logged, and how long an update_id is remembered.
 */
import { integer, type SettingsOf } from "../settings/setting-types.ts";

export const processingSettings = {
  /** Runs of an update whose handler throws, the first included. @defaultValue 3 */
  HANDLER_MAX_ATTEMPTS: integer(1, 100).default(3),
  /** First backoff between runs of a failed update; doubles each time, with jitter. @defaultValue 500 */
  HANDLER_RETRY_BASE_MS: integer(0).default(500),
  /** A handler still running after this is logged (it is not cut or re-run). @defaultValue 30000 */
  HANDLER_TIMEOUT_MS: integer(1).default(30_000),
  /** How long a handled `update_id` is remembered per bot to drop redeliveries (0: off). @defaultValue 24 h */
  DEDUP_WINDOW_SECONDS: integer(0).default(24 * 60 * 60),
};

export type ProcessingSettings = SettingsOf<typeof processingSettings>;
