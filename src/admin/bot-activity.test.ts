/** The per-bot counters of the last minutes: a ring of minutes, old ones forgotten, errors scrubbed when read. */
import { describe, expect, it } from "vitest";
import { BotActivity } from "./bot-activity.ts";

describe("BotActivity", () => {
  it("counts accepted, handled and failed per bot over the last five minutes only", () => {
    let now = 10 * 60_000;
    const activity = new BotActivity((text) => text.replaceAll("s3cret", "[redacted]"), () => now);
    activity.admitted("a", "accepted");
    activity.admitted("a", "duplicate");
    activity.settled("a", "success");
    activity.settled("a", "error", "failed with s3cret");
    activity.settled("a", "cancelled");
    expect(activity.of("a")).toEqual({ accepted: 1, handled: 1, failed: 2, lastError: { message: "failed with [redacted]", at: new Date(10 * 60_000).toISOString() } });
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
