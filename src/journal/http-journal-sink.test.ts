import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpJournalSink, parseRetryAfterMs } from "./http-journal-sink.ts";
import { startJournalBackendStandIn, type JournalBackendStandIn } from "../testing/journal-backend-stand-in.ts";
import { sampleRecord } from "../testing/journal-record-fixture.ts";
import { JournalDeliveryError } from "../errors/journal-delivery-error.ts";

async function deliveryError(promise: Promise<unknown>): Promise<JournalDeliveryError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JournalDeliveryError);
  return error as JournalDeliveryError;
}

let backend: JournalBackendStandIn;
beforeEach(async () => {
  backend = await startJournalBackendStandIn();
});
afterEach(async () => {
  await backend.close();
});

describe("HttpJournalSink", () => {
  it("POSTs the old DRF contract plus the record's other facts as JSON", async () => {
    const sink = new HttpJournalSink({ url: backend.url, timeoutMs: 2000 });
    await sink.deliver(sampleRecord({ status: "error", error: "Error: boom", attempts: 3 }));
    expect(backend.received).toHaveLength(1);
    const post = backend.received[0]!;
    expect(post.headers["content-type"]).toBe("application/json");
    expect(post.body).toEqual({
      bot_name: "JournalBot",
      update: sampleRecord().update,
      processing_status: "error",
      error_message: "Error: boom",
      record: expect.objectContaining({ update_id: 7, chat_id: 42, user_id: 42, event_type: "message", attempts: 3, duration_ms: 120 }) as unknown,
    });
    expect(post.body.record).not.toHaveProperty("update");
  });

  it("sends error_message null for a success, and the configured Authorization header", async () => {
    const sink = new HttpJournalSink({ url: backend.url, timeoutMs: 2000, authorization: "Token s3cret-journal" });
    await sink.deliver(sampleRecord());
    expect(backend.received[0]?.body.error_message).toBeNull();
    expect(backend.received[0]?.headers.authorization).toBe("Token s3cret-journal");
  });

  it("turns credentials in JOURNAL_URL into Basic auth (fetch refuses them in the URL)", async () => {
    const url = backend.url.replace("http://", "http://drf:pa%3Ass@");
    await new HttpJournalSink({ url, timeoutMs: 2000 }).deliver(sampleRecord());
    expect(backend.received[0]?.headers.authorization).toBe(`Basic ${Buffer.from("drf:pa:ss").toString("base64")}`);
  });

  it("reports a 5xx as retryable, with the status and an excerpt of the answer", async () => {
    backend.script({ status: 503, body: '{"detail":"maintenance"}' });
    const error = await deliveryError(new HttpJournalSink({ url: backend.url, timeoutMs: 2000 }).deliver(sampleRecord()));
    expect(error).toMatchObject({ code: "JOURNAL_UNAVAILABLE", retryable: true, status: 503 });
    expect(error.message).toContain("maintenance");
  });

  it("reports a 400 as not retryable", async () => {
    backend.script({ status: 400, body: '{"update":["This field is required."]}' });
    const error = await deliveryError(new HttpJournalSink({ url: backend.url, timeoutMs: 2000 }).deliver(sampleRecord()));
    expect(error).toMatchObject({ code: "JOURNAL_REJECTED", retryable: false, status: 400 });
  });

  it("reports a 429 as retryable with its Retry-After in ms", async () => {
    backend.script({ status: 429, headers: { "retry-after": "2" } });
    const error = await deliveryError(new HttpJournalSink({ url: backend.url, timeoutMs: 2000 }).deliver(sampleRecord()));
    expect(error).toMatchObject({ code: "JOURNAL_RATE_LIMITED", retryable: true, status: 429, retryAfterMs: 2000 });
  });

  it("gives up on a backend that does not answer within the timeout (retryable)", async () => {
    // The backend would answer 201 after a second: an error at all means the sink did not wait for it.
    backend.script({ status: 201, delayMs: 1000 });
    const error = await deliveryError(new HttpJournalSink({ url: backend.url, timeoutMs: 100 }).deliver(sampleRecord()));
    expect(error).toMatchObject({ code: "JOURNAL_TIMEOUT", retryable: true });
  });

  it("reports a refused connection as retryable", async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await deliveryError(new HttpJournalSink({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 }).deliver(sampleRecord()));
    expect(error).toMatchObject({ code: "JOURNAL_NETWORK", retryable: true });
  });
});

describe("parseRetryAfterMs", () => {
  it("reads seconds and HTTP dates, and ignores garbage", () => {
    expect(parseRetryAfterMs("3")).toBe(3000);
    expect(parseRetryAfterMs("0.5")).toBe(500);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfterMs("soon")).toBeUndefined();
    expect(parseRetryAfterMs(null)).toBeUndefined();
    expect(parseRetryAfterMs("-1")).toBeUndefined();
  });
});
