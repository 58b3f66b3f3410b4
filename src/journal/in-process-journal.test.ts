import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { LogCapture } from "../testing/log-capture.ts";
import { HttpJournalSink } from "./http-journal-sink.ts";
import { InProcessJournal, type InProcessJournalOptions } from "./in-process-journal.ts";
import { startJournalBackendStandIn, type JournalBackendStandIn } from "../testing/journal-backend-stand-in.ts";
import { sampleRecord } from "../testing/journal-record-fixture.ts";
import type { JournalSink } from "./journal-sink.ts";

let backend: JournalBackendStandIn;
let logs: LogCapture;
const journals: InProcessJournal[] = [];

beforeEach(async () => {
  backend = await startJournalBackendStandIn();
  logs = new LogCapture();
});
afterEach(async () => {
  await Promise.all(journals.splice(0).map((j) => j.stop(0)));
  await backend.close();
});

function journal(options: Partial<InProcessJournalOptions> = {}): InProcessJournal {
  const { logger } = createLogger({ level: "debug", scrubber: new SecretScrubber(), extraStream: logs, stdout: false });
  const j = new InProcessJournal({
    sink: new HttpJournalSink({ url: backend.url, timeoutMs: 2000 }),
    logger,
    maxBacklog: 100,
    concurrency: 4,
    retry: { maxAttempts: 4, baseMs: 200, maxWaitMs: 5000 },
    ...options,
  });
  journals.push(j);
  return j;
}

/** A sink whose deliveries never finish until released; records what it was given. */
function hangingSink(): JournalSink & { given: ProcessedUpdateRecord[]; release(): void } {
  const given: ProcessedUpdateRecord[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { given, release: () => release(), deliver: async (record) => { given.push(record); await gate; } };
}

describe("InProcessJournal", () => {
  it("delivers each record to the backend", async () => {
    const j = journal();
    for (let i = 1; i <= 10; i++) j.enqueue(sampleRecord({ update_id: i }));
    await j.onIdle();
    expect(backend.received.map((p) => (p.body.record as { update_id: number }).update_id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(j.stats()).toMatchObject({ delivered: 10, failed: 0, waiting: 0, delivering: 0 });
  });

  it("retries a 5xx with backoff until the backend takes the record", async () => {
    backend.script({ status: 500 }, { status: 502 });
    const j = journal();
    j.enqueue(sampleRecord());
    await j.onIdle();
    expect(backend.received).toHaveLength(3);
    const [first, second, third] = backend.received.map((p) => p.receivedAt);
    // Equal jitter: the n-th backoff is at least half of base * 2^(n-1).
    expect(second! - first!).toBeGreaterThanOrEqual(100 - 5);
    expect(third! - second!).toBeGreaterThanOrEqual(200 - 5);
    expect(j.stats()).toMatchObject({ delivered: 1, failed: 0 });
    expect(logs.find("journal delivery failed, will retry", { update_id: 7 }).map((l) => l.attempt)).toEqual([1, 2]);
  });

  it("does not retry a 400, and logs the record as not delivered", async () => {
    backend.script({ status: 400, body: '{"bot_name":["unknown"]}' });
    const j = journal();
    j.enqueue(sampleRecord({ update_id: 9 }));
    await j.onIdle();
    await new Promise((r) => setTimeout(r, 300));
    expect(backend.received).toHaveLength(1);
    expect(j.stats()).toMatchObject({ delivered: 0, failed: 1 });
    const [line] = logs.find("journal record not delivered", { bot: "JournalBot", update_id: 9 });
    expect(line).toMatchObject({ attempts: 1, err: expect.objectContaining({ code: "JOURNAL_REJECTED" }) as unknown });
  });

  it("waits a 429's Retry-After before the next delivery", async () => {
    backend.script({ status: 429, headers: { "retry-after": "1" } });
    const j = journal({ retry: { maxAttempts: 4, baseMs: 10, maxWaitMs: 5000 } });
    j.enqueue(sampleRecord());
    await j.onIdle();
    expect(backend.received).toHaveLength(2);
    expect(backend.received[1]!.receivedAt - backend.received[0]!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it("gives a record up after maxAttempts", async () => {
    backend.script({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const j = journal({ retry: { maxAttempts: 3, baseMs: 10, maxWaitMs: 100 } });
    j.enqueue(sampleRecord());
    await j.onIdle();
    expect(backend.received).toHaveLength(3);
    expect(logs.find("journal record not delivered", { update_id: 7 })).toEqual([expect.objectContaining({ attempts: 3 })]);
  });

  it("drops the oldest waiting records when the backlog bound is hit, with a warning that counts them", async () => {
    const sink = hangingSink();
    const j = journal({ sink, concurrency: 1, maxBacklog: 3, dropWarningIntervalMs: 60_000 });
    for (let i = 1; i <= 8; i++) {
      j.enqueue(sampleRecord({ update_id: i }));
      // Let the first one reach the sink, so it is in flight rather than waiting.
      if (i === 1) await new Promise((r) => setImmediate(r));
    }
    expect(sink.given.map((r) => r.update_id)).toEqual([1]);
    expect(j.stats()).toMatchObject({ waiting: 3, delivering: 1, dropped: 4 });
    // The first drop is reported at once; the rest within the interval are counted for later.
    expect(logs.find("journal backlog full, oldest records dropped")).toEqual([expect.objectContaining({ dropped: 1, dropped_total: 1, maxBacklog: 3 })]);
    sink.release();
    await j.onIdle();
    // 2, 3, 4 and 5 were dropped: the newest three were kept.
    expect(sink.given.map((r) => r.update_id)).toEqual([1, 6, 7, 8]);
    await j.stop(100);
    const warnings = logs.find("journal backlog full, oldest records dropped");
    expect(warnings.map((w) => w.dropped)).toEqual([1, 3]);
    expect(warnings[1]).toMatchObject({ dropped_total: 4 });
  });

  it("never calls the sink from enqueue itself", () => {
    let calls = 0;
    const j = journal({ sink: { deliver: async () => void calls++ } });
    j.enqueue(sampleRecord());
    expect(calls).toBe(0);
  });

  it("at stop, gives waiting retries one more try at once, then logs what is still not delivered", async () => {
    backend.script({ status: 503 });
    const j = journal({ retry: { maxAttempts: 5, baseMs: 60_000, maxWaitMs: 60_000 } });
    j.enqueue(sampleRecord({ update_id: 1 }));
    await backend.waitForPosts(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(j.stats().waiting).toBe(1);
    await j.stop(2000);
    // The retry did not wait its minute of backoff: it went out within stop's two seconds.
    expect(backend.received).toHaveLength(2);
    expect(logs.find("journal records not delivered at shutdown")).toHaveLength(0);
    expect(logs.find("journal stopped")).toEqual([expect.objectContaining({ delivered: 1, undelivered: 0 })]);
  });

  it("at stop, keeps delivering up to the deadline and names every record left", async () => {
    const sink = hangingSink();
    const j = journal({ sink, concurrency: 1 });
    for (let i = 1; i <= 3; i++) j.enqueue(sampleRecord({ update_id: i, status: i === 3 ? "cancelled" : "success" }));
    const started = Date.now();
    await j.stop(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const [line] = logs.find("journal records not delivered at shutdown");
    expect(line).toMatchObject({ count: 3, deadlineMs: 200 });
    expect(line?.records).toEqual([
      { bot: "JournalBot", update_id: 1, status: "success" },
      { bot: "JournalBot", update_id: 2, status: "success" },
      { bot: "JournalBot", update_id: 3, status: "cancelled" },
    ]);
    j.enqueue(sampleRecord({ update_id: 4 }));
    expect(logs.find("journal record after shutdown, not delivered", { update_id: 4 })).toHaveLength(1);
    sink.release();
  });
});
