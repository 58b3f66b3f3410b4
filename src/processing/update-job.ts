/** An accepted update on its way through processing, and the record it leaves when it is done. */
import type { Update } from "grammy/types";
import { readUpdateFacts, type UpdateFacts } from "./update-key.ts";

export interface UpdateJob {
  botName: string;
  updateId: number;
  update: Update;
  facts: UpdateFacts;
  /** Runs started so far. */
  attempts: number;
  acceptedAt: number;
  startedAt: number | undefined;
}

export type ProcessingStatus = "success" | "error" | "cancelled";

/** What the journal keeps of each processed update (see the journal sink). */
export interface ProcessedUpdateRecord {
  bot_name: string;
  update_id: number;
  status: ProcessingStatus;
  error: string | undefined;
  handler_file: string | undefined;
  chat_id: number | string | undefined;
  user_id: number | string | undefined;
  event_type: string | undefined;
  text_preview: string | undefined;
  attempts: number;
  accepted_at: string;
  finished_at: string;
  /** From acceptance to the end of the last run. */
  duration_ms: number;
  update: Update;
}

/** Hears of each processed update, once, successful or not (the journal, tests, metrics). */
export type SettledListener = (record: ProcessedUpdateRecord) => void;

export function newUpdateJob(botName: string, update: Update, acceptedAt = Date.now(), facts: UpdateFacts = readUpdateFacts(update)): UpdateJob {
  return { botName, updateId: update.update_id, update, facts, attempts: 0, acceptedAt, startedAt: undefined };
}

export function toRecord(job: UpdateJob, status: ProcessingStatus, error?: string, handlerFile?: string): ProcessedUpdateRecord {
  const finished = Date.now();
  return {
    bot_name: job.botName,
    update_id: job.updateId,
    status,
    error,
    handler_file: handlerFile,
    chat_id: job.facts.chatId,
    user_id: job.facts.userId,
    event_type: job.facts.eventType,
    text_preview: job.facts.textPreview,
    attempts: job.attempts,
    accepted_at: new Date(job.acceptedAt).toISOString(),
    finished_at: new Date(finished).toISOString(),
    duration_ms: finished - job.acceptedAt,
    update: job.update,
  };
}
