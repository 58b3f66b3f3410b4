import { afterEach, describe, expect, it } from "vitest";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";
import { startJournalBackendStandIn, type JournalBackendStandIn } from "../testing/journal-backend-stand-in.ts";
import { JournalComponent } from "./journal-component.ts";
import type { JournalSink } from "./journal-sink.ts";

const running: TestService[] = [];
const backends: JournalBackendStandIn[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
  await Promise.all(backends.splice(0).map((b) => b.close()));
});

async function start(options: Parameters<typeof startTestService>[0]): Promise<TestService> {
  const t = await startTestService(options);
  running.push(t);
  return t;
}

/** A sink that records what it was given and never finishes a delivery. */
function neverEndingSink(): JournalSink & { given: ProcessedUpdateRecord[] } {
  const given: ProcessedUpdateRecord[] = [];
  return { given, deliver: (record) => { given.push(record); return new Promise<void>(() => undefined); } };
}

describe("journal in the embedded default", () => {
  it("writes one log line per processed update with JOURNAL_LOG=all and no JOURNAL_URL, without the update body", async () => {
    const t = await start({
      bots: { j: simpleBot("Journaled") },
      env: { JOURNAL_LOG: "all" },
    });
    await t.postUpdate("Journaled", textUpdate(1, 77, "very private text that must stay out of logs"));
    await t.idle();
    await t.standIn.waitFor(() => t.logs.find("journal record").length === 1, { timeoutMs: 15_000 });
    const [line] = t.logs.find("journal record");
    expect(line).toMatchObject({
      level: 30,
      bot: "Journaled",
      update_id: 1,
      journal: expect.objectContaining({ bot_name: "Journaled", update_id: 1, status: "success", chat_id: 77, user_id: 77, event_type: "message", attempts: 1 }) as unknown,
    });
    expect(line?.journal).not.toHaveProperty("update");
    expect(typeof (line?.journal as { duration_ms: unknown }).duration_ms).toBe("number");
    // Only the short preview of the text may appear, never the update itself.
    expect(t.logs.raw.find((raw) => raw.includes('"msg":"journal record"'))).not.toContain('"message_id"');
  });

  it("POSTs each record to JOURNAL_URL in the old DRF contract", async () => {
    const backend = await startJournalBackendStandIn();
    backends.push(backend);
    const t = await start({
      bots: { j: simpleBot("Posted", { "a.ts": composerSource(`c.hears("fail", () => { throw new Error("nope"); });`) }) },
      env: { JOURNAL_URL: backend.url, HANDLER_MAX_ATTEMPTS: 1 },
    });
    await t.postUpdate("Posted", textUpdate(1, 5, "hi"));
    await t.postUpdate("Posted", textUpdate(2, 5, "fail"));
    await backend.waitForPosts(2);
    const bodies = backend.received.map((p) => p.body);
    expect(bodies).toEqual([
      expect.objectContaining({ bot_name: "Posted", processing_status: "success", error_message: null, update: textUpdate(1, 5, "hi") }),
      expect.objectContaining({ bot_name: "Posted", processing_status: "error", error_message: "Error: nope" }),
    ]);
  });

  it("never slows update handling: with a sink that hangs, replies still come at once", async () => {
    const sink = neverEndingSink();
    const t = await start({
      bots: { j: simpleBot("Unhurried") },
      env: { JOURNAL_CONCURRENCY: 2, JOURNAL_SHUTDOWN_DEADLINE_MS: 100 },
      journalSink: sink,
    });
    for (let i = 1; i <= 20; i++) await t.postUpdate("Unhurried", textUpdate(i, 1000 + i, `m${i}`));
    // Every reply goes out although no journal delivery ever finishes.
    await t.standIn.waitFor((s) => s.sentMessages().length === 20, { timeoutMs: 15_000 });
    // The last reply reaches the stand-in just before its update settles.
    await t.idle();
    expect(t.settled).toHaveLength(20);
    // Two deliveries hang; the other records wait in memory without holding anything up.
    expect(sink.given).toHaveLength(2);
  });

  it("journals the updates still running at the shutdown deadline as cancelled", async () => {
    const given: ProcessedUpdateRecord[] = [];
    const t = await start({
      bots: { j: simpleBot("Stuck", { "a.ts": composerSource(`c.hears("hang", async () => { await new Promise((r) => setTimeout(r, 2000)); });`) }) },
      // Without the durable store: there, an update running at the deadline is kept for the next start.
      env: { JOURNAL_SHUTDOWN_DEADLINE_MS: 1000, DURABILITY: "memory" },
      journalSink: { deliver: async (r) => void given.push(r) },
    });
    await t.postUpdate("Stuck", textUpdate(1, 9, "done"));
    await t.postUpdate("Stuck", textUpdate(2, 10, "hang"));
    await t.standIn.waitFor((s) => s.sentMessages().length === 1, { timeoutMs: 15_000 });
    await t.close();
    expect(given.map((r) => [r.update_id, r.status])).toEqual([
      [1, "success"],
      [2, "cancelled"],
    ]);
    expect(given[1]?.error).toBe("not finished before the shutdown deadline");
    expect(t.logs.find("journal stopped", { component: "journal" })).toEqual([expect.objectContaining({ delivered: 2, undelivered: 0 })]);
  });
});

describe("journal component wiring", () => {
  it("does not queue records for a log that keeps none (JOURNAL_LOG=off, or a level that drops info lines), and still does with a sink", async () => {
    const { pino } = await import("pino");
    const { parseServiceConfig } = await import("../config/service-config.ts");
    const { sampleRecord } = await import("../testing/journal-record-fixture.ts");
    const config = parseServiceConfig({ JOURNAL_LOG: "all" });
    const lines: string[] = [];
    const capture = { write: (line: string) => void lines.push(line) };
    expect(new JournalComponent({ settings: parseServiceConfig({}), logger: pino({ level: "info" }, capture) }).listener).toBeUndefined();
    const quiet = new JournalComponent({ settings: config, logger: pino({ level: "warn" }, capture) });
    const chatty = new JournalComponent({ settings: config, logger: pino({ level: "info" }, capture) });
    const sink = neverEndingSink();
    const withSink = new JournalComponent({ settings: config, logger: pino({ level: "warn" }, capture), sink });
    expect(quiet.listener).toBeUndefined();
    for (const component of [quiet, chatty, withSink]) component.listener?.(sampleRecord());
    await chatty.journal.onIdle();
    expect(quiet.journal.stats()).toEqual({ waiting: 0, delivering: 0, delivered: 0, failed: 0, dropped: 0 });
    expect(chatty.journal.stats()).toMatchObject({ delivered: 1 });
    expect(lines.filter((l) => l.includes('"journal record"'))).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(sink.given).toHaveLength(1);
  });
});
