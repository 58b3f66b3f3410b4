/**
 * What a journal record looks like on the wire (the old DRF endpoint contract) and in the log
 * (the same facts without the update body, which is user data).
 */
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";

/** The record without `update`: safe to log, small to store. */
export type JournalSummary = Omit<ProcessedUpdateRecord, "update">;

/** Body of the POST to JOURNAL_URL. */
export interface JournalPayload {
  bot_name: string;
  update: Record<string, unknown>;
  processing_status: ProcessedUpdateRecord["status"];
  /** null when the update succeeded. */
  error_message: string | null;
  /** Everything else the service knows about the update (chat, user, timings, attempts). */
  record: JournalSummary;
}

export function summarize(record: ProcessedUpdateRecord): JournalSummary {
  const { update: _update, ...summary } = record;
  return summary;
}

export function toJournalPayload(record: ProcessedUpdateRecord): JournalPayload {
  return {
    bot_name: record.bot_name,
    update: record.update as unknown as Record<string, unknown>,
    processing_status: record.status,
    error_message: record.error ?? null,
    record: summarize(record),
  };
}
