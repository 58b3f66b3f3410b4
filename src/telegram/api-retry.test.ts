import { Api, GrammyError, HttpError } from "grammy";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { startBotApiStandIn, type BotApiStandIn, type Fault } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { testToken } from "../testing/bot-fixtures.ts";
import { LogCapture } from "../testing/log-capture.ts";
import { apiRetryTransformer, type ApiRetryOptions } from "./api-retry.ts";
import { backoffDelayMs, sleep } from "./backoff.ts";
import { grammyClientFetch } from "./bot-api-fetch.ts";

const RETRY_MSG = "telegram api call failed, retrying";
const PINO_WARN = 40;
const token = testToken("RetryBot");

describe("apiRetryTransformer over the Bot API stand-in", () => {
  let standIn: BotApiStandIn;
  beforeAll(async () => {
    standIn = await startBotApiStandIn();
  });
  afterAll(async () => standIn.close());
  beforeEach(() => standIn.reset());

  function api(options: Partial<Omit<ApiRetryOptions, "logger">> = {}) {
    const logs = new LogCapture();
    const { logger } = createLogger({ level: "debug", scrubber: new SecretScrubber(), extraStream: logs, stdout: false });
    const client = new Api(token, { apiRoot: standIn.apiRoot, fetch: grammyClientFetch });
    client.config.use(apiRetryTransformer({ maxRetries: 3, baseDelayMs: 5, maxWaitSeconds: 60, logger, ...options }));
    const retries = () => logs.find(RETRY_MSG).map(({ level, method, attempt, reason }) => ({ level, method, attempt, reason }));
    return { client, logs, retries };
  }

  function failNext(fault: Fault, times = 1): void {
    standIn.injectFault({ token, method: "sendMessage", fault, times });
  }

  const sendCalls = () => standIn.calls({ token, method: "sendMessage" });

  it("waits retry_after after a 429 and then succeeds", async () => {
    const { client, logs, retries } = api();
    failNext({ kind: "too-many-requests", retryAfterSeconds: 1 });
    const sent = await client.sendMessage(10, "hello");
    expect(sent.text).toBe("hello");
    const calls = sendCalls();
    expect(calls.map((c) => ({ fault: c.fault, status: c.status }))).toEqual([
      { fault: "too-many-requests", status: 429 },
      { fault: undefined, status: 200 },
    ]);
    // Not a speed check: the second call must not come before Telegram's retry_after.
    const [first, second] = calls;
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
    expect(retries()).toEqual([{ level: PINO_WARN, method: "sendMessage", attempt: 1, reason: "429" }]);
    expect(logs.find(RETRY_MSG)[0]?.delayMs).toBe(1000);
    expect(standIn.sentMessages({ token })).toHaveLength(1);
  });

  it.each<[string, Fault, string]>([
    ["a 500", { kind: "server-error" }, "500"],
    ["a 502", { kind: "server-error", status: 502 }, "502"],
    ["a non-JSON answer", { kind: "non-json" }, "HttpError"],
    ["a dropped connection", { kind: "drop-connection" }, "HttpError"],
  ])("backs off after %s and then succeeds", async (_name, fault, reason) => {
    const { client, retries } = api();
    failNext(fault, 2);
    const sent = await client.sendMessage(10, "again");
    expect(sent.text).toBe("again");
    expect(sendCalls()).toHaveLength(3);
    expect(retries()).toEqual([
      { level: PINO_WARN, method: "sendMessage", attempt: 1, reason },
      { level: PINO_WARN, method: "sendMessage", attempt: 2, reason },
    ]);
    expect(standIn.sentMessages({ token })).toHaveLength(1);
  });

  it("retries a 429 without retry_after with backoff", async () => {
    const { client, retries } = api();
    failNext({ kind: "telegram-error", errorCode: 429, description: "Too Many Requests" });
    await client.sendMessage(10, "x");
    expect(sendCalls()).toHaveLength(2);
    expect(retries()).toEqual([{ level: PINO_WARN, method: "sendMessage", attempt: 1, reason: "429" }]);
  });

  it("gives up after maxRetries and hands Telegram's error to the caller", async () => {
    const { client, retries } = api({ maxRetries: 2 });
    failNext({ kind: "server-error", status: 503 }, Infinity);
    const error: unknown = await client.sendMessage(10, "never").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect({ code: (error as GrammyError).error_code, method: (error as GrammyError).method }).toEqual({ code: 503, method: "sendMessage" });
    expect(sendCalls()).toHaveLength(3);
    expect(retries().map((r) => r.attempt)).toEqual([1, 2]);
  });

  it("gives up after maxRetries on network failures and hands the HttpError to the caller", async () => {
    const { client, retries } = api({ maxRetries: 1 });
    failNext({ kind: "drop-connection" }, Infinity);
    const error: unknown = await client.sendMessage(10, "never").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(sendCalls()).toHaveLength(2);
    expect(retries()).toEqual([{ level: PINO_WARN, method: "sendMessage", attempt: 1, reason: "HttpError" }]);
  });

  it("does not retry at all with maxRetries 0", async () => {
    const { client, retries } = api({ maxRetries: 0 });
    failNext({ kind: "server-error" });
    await expect(client.sendMessage(10, "once")).rejects.toBeInstanceOf(GrammyError);
    expect(sendCalls()).toHaveLength(1);
    expect(retries()).toEqual([]);
  });

  it.each([
    [400, "Bad Request: chat not found"],
    [403, "Forbidden: bot was blocked by the user"],
    [401, "Unauthorized"],
  ])("does not retry a %i", async (errorCode, description) => {
    const { client, retries } = api();
    failNext({ kind: "telegram-error", errorCode, description });
    const error: unknown = await client.sendMessage(10, "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect({ code: (error as GrammyError).error_code, description: (error as GrammyError).description }).toEqual({ code: errorCode, description });
    expect(sendCalls()).toHaveLength(1);
    expect(retries()).toEqual([]);
  });

  it("does not wait for a retry_after above maxWaitSeconds: the 429 reaches the caller at once", async () => {
    const { client, retries } = api({ maxWaitSeconds: 1 });
    failNext({ kind: "too-many-requests", retryAfterSeconds: 30 });
    const error: unknown = await client.sendMessage(10, "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect({ code: (error as GrammyError).error_code, retryAfter: (error as GrammyError).parameters.retry_after }).toEqual({ code: 429, retryAfter: 30 });
    expect(sendCalls()).toHaveLength(1);
    expect(retries()).toEqual([]);
  });

  it("retries each method on its own and logs the method", async () => {
    const { client, retries } = api();
    standIn.injectFault({ token, method: "getMe", fault: { kind: "server-error" } });
    const me = await client.getMe();
    expect(me.is_bot).toBe(true);
    expect(retries()).toEqual([{ level: PINO_WARN, method: "getMe", attempt: 1, reason: "500" }]);
  });

  it("keeps the token out of its log lines", async () => {
    const { client, logs } = api();
    failNext({ kind: "drop-connection" });
    await client.sendMessage(10, "x");
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(token);
  });
});

describe("backoffDelayMs", () => {
  it.each([
    [1, 100, 50, 100],
    [2, 100, 100, 200],
    [3, 100, 200, 400],
    [5, 10, 80, 160],
  ])("attempt %i with base %i lies between %i and %i", (attempt, base, low, high) => {
    expect(backoffDelayMs(attempt, base, 60_000, () => 0)).toBe(low);
    expect(backoffDelayMs(attempt, base, 60_000, () => 0.999999)).toBe(high);
    const middle = backoffDelayMs(attempt, base, 60_000, () => 0.5);
    expect(middle).toBeGreaterThanOrEqual(low);
    expect(middle).toBeLessThanOrEqual(high);
  });

  it("is capped at maxMs (half of it at least)", () => {
    expect(backoffDelayMs(30, 100, 1_000, () => 0)).toBe(500);
    expect(backoffDelayMs(30, 100, 1_000, () => 0.999999)).toBe(1_000);
    expect(backoffDelayMs(2_000, 100, 1_000, () => 0.5)).toBe(750);
  });

  it("treats attempt 0 or less like the first attempt", () => {
    expect(backoffDelayMs(0, 100, 60_000, () => 1)).toBe(100);
    expect(backoffDelayMs(-3, 100, 60_000, () => 1)).toBe(100);
  });

  it("returns whole milliseconds, and 0 for a base of 0", () => {
    expect(Number.isInteger(backoffDelayMs(3, 7, 60_000, () => 0.123))).toBe(true);
    expect(backoffDelayMs(4, 0, 60_000, () => 0.7)).toBe(0);
  });

  it("stays within bounds over many random draws", () => {
    const outside: number[] = [];
    for (let i = 0; i < 1_000; i++) {
      const delay = backoffDelayMs(4, 100, 60_000);
      if (delay < 400 || delay > 800) outside.push(delay);
    }
    expect(outside).toEqual([]);
  });
});

describe("sleep", () => {
  it("rejects at once with an already-aborted signal", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stopped"));
    await expect(sleep(60_000, controller.signal)).rejects.toThrow("stopped");
  });

  it("rejects when the signal aborts during the wait", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error("shutdown"));
    await expect(waiting).rejects.toThrow("shutdown");
  });

  it("resolves after the wait without a signal", async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
