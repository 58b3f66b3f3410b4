/**
 * What a `telegram_updates` job carries: the bot, the raw update and when the API accepted it.
 * Written by the API side, read by workers that may run another version of the code, so the
 * reader checks the shape instead of trusting it.
 */
import type { Update } from "grammy/types";

export interface UpdateJobData {
  bot: string;
  update: Update;
  /** Epoch ms when the API process accepted the update. */
  accepted_at: number;
}

export function isUpdateJobData(value: unknown): value is UpdateJobData {
  if (typeof value !== "object" || value === null) return false;
  const data = value as Record<string, unknown>;
  const update = data.update;
  return (
    typeof data.bot === "string" &&
    typeof data.accepted_at === "number" &&
    typeof update === "object" &&
    update !== null &&
    !Array.isArray(update) &&
    Number.isSafeInteger((update as Record<string, unknown>).update_id)
  );
}

/** The deduplication id of an update: scoped by bot (the queue's key prefix scopes it by deployment). */
export function dedupIdOf(botName: string, updateId: number): string {
  // BullMQ keys this as `<prefix>:<queue>:de:<id>`; encoding keeps any bot name key-safe.
  return `${encodeURIComponent(botName)}.${updateId}`;
}
