/**
 * Settings of the update journal: where records go (JOURNAL_URL, else the log), how many reach
 * the log when it is the sink, delivery retries and limits.
 */
import { z } from "zod";
import { integer, type SettingsOf } from "../settings/setting-types.ts";

export const journalSettings = {
  /** REST endpoint that receives one POST per processed update (old DRF contract). Unset: records go to the log. */
  JOURNAL_URL: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * With no JOURNAL_URL, which records become a "journal record" log line: `off` none (the log
   * holds events: start, bots, errors, retries, shutdown; a failed update is still logged by the
   * runner as "update failed"), `sample` one in JOURNAL_LOG_SAMPLE_EVERY, `all` every record.
   * @defaultValue off
   */
  JOURNAL_LOG: z.enum(["off", "sample", "all"]).default("off"),
  /** With JOURNAL_LOG=sample: one record in this many is logged, the first one included. @defaultValue 100 */
  JOURNAL_LOG_SAMPLE_EVERY: integer(1).default(100),
  /** Sent verbatim as the `Authorization` header of journal POSTs (e.g. `Token abc`); a secret, never logged. */
  JOURNAL_AUTHORIZATION: z.string().optional(),
  /** Timeout of one journal POST. @defaultValue 5000 */
  JOURNAL_TIMEOUT_MS: integer(1).default(5_000),
  /** Deliveries of one record, the first included, before it is given up (logged). @defaultValue 5 */
  JOURNAL_MAX_ATTEMPTS: integer(1, 100).default(5),
  /** First backoff between deliveries of a record; doubles each time, with jitter. @defaultValue 1000 */
  JOURNAL_RETRY_BASE_MS: integer(0).default(1_000),
  /** Longest wait before a retry, a 429's `Retry-After` included (a longer one is cut to this). @defaultValue 60 */
  JOURNAL_MAX_RETRY_WAIT_SECONDS: integer(0).default(60),
  /** Embedded default: records waiting for delivery in memory; past it the oldest are dropped. @defaultValue 10000 */
  JOURNAL_MAX_BACKLOG: integer(1).default(10_000),
  /** Embedded default: deliveries at once. @defaultValue 4 */
  JOURNAL_CONCURRENCY: integer(1, 64).default(4),
  /** Embedded default: at shutdown, how long to keep delivering what is left. @defaultValue 3000 */
  JOURNAL_SHUTDOWN_DEADLINE_MS: integer(0).default(3_000),
};

export type JournalSettings = SettingsOf<typeof journalSettings>;
