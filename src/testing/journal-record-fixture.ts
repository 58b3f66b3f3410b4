/** For tests: a processed-update record with realistic values (the update text is user data). */
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";

export function sampleRecord(overrides: Partial<ProcessedUpdateRecord> = {}): ProcessedUpdateRecord {
  return {
    bot_name: "JournalBot",
    update_id: 7,
    status: "success",
    error: undefined,
    handler_file: undefined,
    chat_id: 42,
    user_id: 42,
    event_type: "message",
    text_preview: "hello",
    attempts: 1,
    accepted_at: "2024-01-01T00:00:00.000Z",
    finished_at: "2024-01-01T00:00:00.120Z",
    duration_ms: 120,
    update: { update_id: 7, message: { message_id: 1, date: 0, chat: { id: 42, type: "private", first_name: "Ann" }, from: { id: 42, is_bot: false, first_name: "Ann" }, text: "hello private words" } },
    ...overrides,
  };
}
