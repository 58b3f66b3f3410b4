/** The per-bot counters of the last minutes: a ring of minutes, old ones forgotten, errors scrubbed when read. */
import { describe, expect, it } from "vitest";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { BotActivity } from "./bot-activity.ts";

function record(bot: string, status: ProcessedUpdateRecord["status"], error?: string): ProcessedUpdateRecord {
  return { bot_name: bot, update_id: 1, status, error, handler_file: undefined, chat_id: 1, user_id: 1, event_type: "message", text_preview: undefined, attempts: 1, accepted_at: "", finished_at: "2026-12-01T00:00:00.000Z", duration_ms: 1, update: { update_id: 1 } };
}

describe("BotActivity", () => {
  it("counts accepted, handled and failed per bot over the last five minutes only", () => {
    let now = 10 * 60_000;
    const activity = new BotActivity((text) => text.replaceAll("s3cret", "[redacted]"), () => now);
    activity.admitted("a", "accepted");
    activity.admitted("a", "duplicate");
    activity.settledListener(record("a", "success"));
    activity.settledListener(record("a", "error", "failed with s3cret"));
    activity.settledListener(record("a", "cancelled"));
    expect(activity.of("a")).toEqual({ accepted: 1, handled: 1, failed: 2, lastError: { message: "failed with [redacted]", at: "2026-12-01T00:00:00.000Z" } });
    expect(activity.of("b")).toEqual({ accepted: 0, handled: 0, failed: 0, lastError: undefined });
    now += 3 * 60_000;
    activity.admitted("a", "accepted");
    expect(activity.of("a")).toMatchObject({ accepted: 2, handled: 1, failed: 2 });
    // Five minutes after the first minute, its counts are gone; the later minute's stay.
    now += 2 * 60_000;
    expect(activity.of("a")).toMatchObject({ accepted: 1, handled: 0, failed: 0 });
    // A slot reused ten minutes on starts from zero.
    now += 5 * 60_000;
    activity.admitted("a", "accepted");
    expect(activity.of("a")).toMatchObject({ accepted: 1, handled: 0, failed: 0 });
  });
});
