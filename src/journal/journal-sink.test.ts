import { describe, expect, it } from "vitest";
import { parseServiceConfig } from "../config/service-config.ts";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { LogCapture } from "../testing/log-capture.ts";
import { HttpJournalSink } from "./http-journal-sink.ts";
import { sampleRecord } from "../testing/journal-record-fixture.ts";
import { createJournalSink } from "./create-journal-sink.ts";
import { JournalDeliveryError } from "../errors/journal-delivery-error.ts";
import { journalRetryDelayMs } from "./journal-retry.ts";
import { LogJournalSink } from "./log-journal-sink.ts";

function capture() {
  const logs = new LogCapture();
  const { logger } = createLogger({ level: "info", scrubber: new SecretScrubber(), extraStream: logs, stdout: false });
  return { logs, logger };
}

describe("createJournalSink", () => {
  it("logs records when JOURNAL_URL is unset and JOURNAL_LOG=all: one info line per record, without the update body", async () => {
    const { logs, logger } = capture();
    const sink = createJournalSink(parseServiceConfig({ JOURNAL_LOG: "all" }), logger);
    expect(sink).toBeInstanceOf(LogJournalSink);
    await sink.deliver(sampleRecord({ status: "error", error: "Error: x" }));
    const [line] = logs.find("journal record");
    expect(line).toMatchObject({ level: 30, bot: "JournalBot", update_id: 7, journal: expect.objectContaining({ status: "error", error: "Error: x", text_preview: "hello" }) as unknown });
    expect(line?.journal).not.toHaveProperty("update");
    expect(logs.text()).not.toContain("hello private words");
  });

  it("logs no record by default (JOURNAL_LOG=off): the log holds events, not traffic", async () => {
    const { logs, logger } = capture();
    const sink = createJournalSink(parseServiceConfig({}), logger);
    for (let id = 1; id <= 5; id++) await sink.deliver(sampleRecord({ update_id: id }));
    expect(logs.lines).toEqual([]);
  });

  it("with JOURNAL_LOG=sample logs the first record and then one in JOURNAL_LOG_SAMPLE_EVERY", async () => {
    const { logs, logger } = capture();
    const sink = createJournalSink(parseServiceConfig({ JOURNAL_LOG: "sample", JOURNAL_LOG_SAMPLE_EVERY: 3 }), logger);
    for (let id = 1; id <= 7; id++) await sink.deliver(sampleRecord({ update_id: id }));
    expect(logs.find("journal record").map((l) => l.update_id)).toEqual([1, 4, 7]);
  });

  it("posts to JOURNAL_URL and hands its secrets to the scrubber", () => {
    const { logger } = capture();
    const secrets: string[] = [];
    const config = parseServiceConfig({ JOURNAL_URL: "https://drf:p%40ss@journal.example/api/", JOURNAL_AUTHORIZATION: "Token abc123def" });
    expect(createJournalSink(config, logger, { onSecret: (s) => secrets.push(s) })).toBeInstanceOf(HttpJournalSink);
    expect(secrets.sort()).toEqual(["Token abc123def", "p@ss"]);
  });
});

describe("journalRetryDelayMs", () => {
  const policy = { maxAttempts: 3, baseMs: 100, maxWaitMs: 5000 };
  it("backs off on retryable errors, honours Retry-After up to the cap, and gives up when it should", () => {
    const unavailable = new JournalDeliveryError("JOURNAL_UNAVAILABLE", "503", { status: 503 });
    const second = journalRetryDelayMs(unavailable, 2, policy);
    expect(second).toBeGreaterThanOrEqual(100);
    expect(second).toBeLessThanOrEqual(200);
    expect(journalRetryDelayMs(new JournalDeliveryError("JOURNAL_RATE_LIMITED", "429", { retryAfterMs: 1500 }), 1, policy)).toBe(1500);
    expect(journalRetryDelayMs(new JournalDeliveryError("JOURNAL_RATE_LIMITED", "429", { retryAfterMs: 600_000 }), 1, policy)).toBe(5000);
    expect(journalRetryDelayMs(new JournalDeliveryError("JOURNAL_REJECTED", "400", { status: 400 }), 1, policy)).toBeUndefined();
    expect(journalRetryDelayMs(unavailable, 3, policy)).toBeUndefined();
    // A sink's own error without `retryable: false` counts as retryable.
    expect(journalRetryDelayMs(new Error("disk full"), 1, policy)).toBeGreaterThanOrEqual(50);
  });
});
