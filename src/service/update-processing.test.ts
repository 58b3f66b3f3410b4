import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { composerSource, simpleBot, testToken } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";
import { until } from "../testing/until.ts";

const running: TestService[] = [];
async function start(options: Parameters<typeof startTestService>[0]): Promise<TestService> {
  const t = await startTestService(options);
  running.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
});

/** A handler that waits `ms` (from the text "<ms>:<label>") then replies with the label. */
const sleepyReply = composerSource(
  `c.on("message:text", async (ctx) => { const [ms, label] = ctx.message.text.split(":"); await new Promise((r) => setTimeout(r, Number(ms))); await ctx.reply(label ?? ""); });`,
);

/**
 * A promise the test opens, on globalThis under GATE_KEY, for a handler to wait on (the service
 * runs in this process): a handler is held for as long as the test needs, however slow the machine.
 */
const GATE_KEY = "clustered-bots.test.update-processing.gate";
function heldGate(): { open(): void; close(): void } {
  let open = (): void => undefined;
  const slot = globalThis as Record<symbol, unknown>;
  slot[Symbol.for(GATE_KEY)] = new Promise<void>((resolve) => (open = resolve));
  return {
    open: () => open(),
    close: () => {
      open();
      delete slot[Symbol.for(GATE_KEY)];
    },
  };
}

describe("processing", () => {
  it("answers before the handler runs, then the echo handler replies through the Bot API", async () => {
    const gate = heldGate();
    try {
      const t = await start({ bots: { echo: simpleBot("EchoOne", { "slow.ts": composerSource(`c.on("message:text", async (ctx, next) => { await globalThis[Symbol.for(${JSON.stringify(GATE_KEY)})]; return next(); });`) }) } });
      const res = await t.postUpdate("EchoOne", textUpdate(1, 501, "hello"));
      expect(res.status).toBe(200);
      // The handler holds the update until the gate opens: the answer came while it was still running.
      expect(t.service.embedded?.activeCount).toBe(1);
      expect(t.standIn.sentMessages()).toHaveLength(0);
      gate.open();
      await t.idle();
      expect(t.standIn.sentMessages()).toEqual([expect.objectContaining({ token: testToken("EchoOne"), chatId: 501, text: "Echo from EchoOne: hello" })]);
    } finally {
      gate.close();
    }
  });

  it("handles updates of one chat in arrival order, and different chats concurrently", async () => {
    // "first" waits for the gate, not for a time: a busy machine once took longer than 200 ms to
    // post the other chat's update.
    const gate = heldGate();
    const gatedReply = composerSource(`c.on("message:text", async (ctx) => { if (ctx.message.text === "first") await globalThis[Symbol.for(${JSON.stringify(GATE_KEY)})]; await ctx.reply(ctx.message.text); });`);
    try {
      const t = await start({ bots: { b: simpleBot("Orderly", { "a.ts": gatedReply }) } });
      // Chat 1: a held first update must still finish before the second one.
      await t.postUpdate("Orderly", textUpdate(1, 1, "first"));
      await t.postUpdate("Orderly", textUpdate(2, 1, "second"));
      // Chat 2 is not held up by chat 1: it is answered while "first" still waits.
      await t.postUpdate("Orderly", textUpdate(3, 2, "other-chat"));
      await until(() => t.standIn.sentMessages({ chatId: 2 }).length === 1);
      gate.open();
      await t.idle();
      const sent = t.standIn.sentMessages();
      expect(sent.filter((m) => m.chatId === 1).map((m) => m.text)).toEqual(["first", "second"]);
      expect(sent[0]?.text).toBe("other-chat");
    } finally {
      gate.close();
    }
  });

  it("keeps order across many updates of many chats", async () => {
    const t = await start({ bots: { b: simpleBot("Many", { "a.ts": composerSource(`c.on("message:text", async (ctx) => { await new Promise((r) => setTimeout(r, Math.random() * 5)); await ctx.reply(ctx.message.text); });`) }) } });
    const posts = [];
    for (let i = 1; i <= 200; i++) posts.push(t.postUpdate("Many", textUpdate(i, (i % 10) + 1, String(i))));
    // Sequential per chat on the wire: POSTs of a chat are sent in order (the intake is in-order per connection).
    const statuses = await Promise.all(posts);
    expect(statuses.every((s) => s.status === 200)).toBe(true);
    await t.idle();
    for (let chat = 1; chat <= 10; chat++) {
      const texts = t.standIn.sentMessages({ chatId: chat }).map((m) => Number(m.text));
      expect(texts).toHaveLength(20);
      expect([...texts].sort((a, b) => a - b)).toEqual(texts);
    }
  });

  it("handles a redelivered update once; the same update_id for another bot is another update", async () => {
    const t = await start({ bots: { a: simpleBot("DupA"), b: simpleBot("DupB") } });
    for (let i = 0; i < 3; i++) expect((await t.postUpdate("DupA", textUpdate(42, 9, "once"))).status).toBe(200);
    expect((await t.postUpdate("DupB", textUpdate(42, 9, "once"))).status).toBe(200);
    await t.idle();
    expect(t.standIn.sentMessages({ token: testToken("DupA") })).toHaveLength(1);
    expect(t.standIn.sentMessages({ token: testToken("DupB") })).toHaveLength(1);
  });

  it("runs a throwing update again with backoff and logs each retry with its attempt", async () => {
    const t = await start({
      bots: { f: simpleBot("Flaky", { "flaky.ts": composerSource(`let n = 0;\nc.on("message:text", async (ctx) => { n++; if (n < 3) throw new Error("boom " + n); await ctx.reply("ok after " + n); });`) }) },
    });
    await t.postUpdate("Flaky", textUpdate(1, 3, "go"));
    await t.idle();
    expect(t.standIn.sentMessages().map((m) => m.text)).toEqual(["ok after 3"]);
    const retries = t.logs.find("handler failed, update will run again", { bot: "Flaky", update_id: 1 });
    expect(retries.map((l) => l.attempt)).toEqual([1, 2]);
    expect(retries[0]?.handler_file).toBe("handlers/flaky.ts");
    expect(t.settled).toEqual([expect.objectContaining({ bot_name: "Flaky", update_id: 1, status: "success", attempts: 3 })]);
  });

  it("gives up after HANDLER_MAX_ATTEMPTS and logs bot, update_id, handler file and stack; later updates of the chat still run", async () => {
    const t = await start({
      bots: {
        f: simpleBot("Broken", {
          "a_ok.ts": composerSource(`c.on("message:text", (ctx, next) => next());`),
          "b_bad.ts": composerSource(`c.hears("fail", () => { throw new Error("handler exploded"); });`),
        }),
      },
      env: { HANDLER_MAX_ATTEMPTS: 2 },
    });
    await t.postUpdate("Broken", textUpdate(7, 5, "fail"));
    await t.postUpdate("Broken", textUpdate(8, 5, "after"));
    await t.idle();
    const failed = t.logs.find("update failed", { bot: "Broken", update_id: 7 });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempt: 2, handler_file: "handlers/b_bad.ts" });
    expect((failed[0]?.err as { stack: string }).stack).toContain("handler exploded");
    expect(t.standIn.sentMessages().map((m) => m.text)).toEqual(["Echo from Broken: after"]);
    // A failed update is not remembered as handled: the sender's redelivery runs again.
    await t.postUpdate("Broken", textUpdate(7, 5, "fail"));
    await t.idle();
    expect(t.logs.find("update failed", { bot: "Broken", update_id: 7 })).toHaveLength(2);
  });

  it("retries a Telegram 429 after retry_after and a 5xx, non-JSON answer or dropped connection with backoff", async () => {
    const t = await start({ bots: { r: simpleBot("Retry") } });
    const token = testToken("Retry");
    t.standIn.injectFault({ token, method: "sendMessage", fault: { kind: "too-many-requests", retryAfterSeconds: 1 } });
    t.standIn.injectFault({ token, method: "sendMessage", fault: { kind: "server-error", status: 502 } });
    t.standIn.injectFault({ token, method: "sendMessage", fault: { kind: "non-json" } });
    t.standIn.injectFault({ token, method: "sendMessage", fault: { kind: "drop-connection" } });
    await t.postUpdate("Retry", textUpdate(1, 8, "persist"));
    await t.idle();
    const calls = t.standIn.calls({ token, method: "sendMessage" });
    expect(calls).toHaveLength(5);
    // The 429 was waited out: the second call came at least retry_after (1 s) after the first.
    expect(calls[1]!.receivedAt - calls[0]!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(t.standIn.sentMessages().map((m) => m.text)).toEqual(["Echo from Retry: persist"]);
    const retries = t.logs.find("telegram api call failed, retrying", { bot: "Retry" });
    expect(retries.map((l) => [l.attempt, l.reason])).toEqual([
      [1, "429"],
      [2, "502"],
      [3, "HttpError"],
      [4, "HttpError"],
    ]);
    // API-level retries do not re-run the handler.
    expect(t.settled[0]).toMatchObject({ status: "success", attempts: 1 });
  });

  it("logs a handler that runs past HANDLER_TIMEOUT_MS without cutting it or running it again", async () => {
    const t = await start({
      bots: { s: simpleBot("Sloth", { "a.ts": composerSource(`let runs = 0;\nc.on("message:text", async (ctx) => { runs++; await new Promise((r) => setTimeout(r, 400)); await ctx.reply("runs=" + runs); });`) }) },
      env: { HANDLER_TIMEOUT_MS: 100 },
    });
    await t.postUpdate("Sloth", textUpdate(1, 4, "zz"));
    await t.idle();
    expect(t.logs.find("handler still running past the timeout", { bot: "Sloth", update_id: 1 })).toHaveLength(1);
    expect(t.standIn.sentMessages().map((m) => m.text)).toEqual(["runs=1"]);
  });

  it("does not let one bot's failing handler or 429 flood slow another bot", async () => {
    const t = await start({
      bots: {
        bad: simpleBot("Noisy", { "a.ts": composerSource(`c.on("message:text", async (ctx) => { if (ctx.message.text === "throw") throw new Error("x"); await ctx.reply("n"); });`) }),
        good: simpleBot("Calm"),
      },
      env: { BOT_CONCURRENCY: 4, PROCESSING_CONCURRENCY: 8, HANDLER_RETRY_BASE_MS: 300 },
    });
    t.standIn.injectFault({ token: testToken("Noisy"), method: "sendMessage", times: Infinity, fault: { kind: "too-many-requests", retryAfterSeconds: 2 } });
    for (let i = 1; i <= 40; i++) await t.postUpdate("Noisy", textUpdate(i, 1000 + i, i % 2 === 0 ? "throw" : "flood"));
    await t.postUpdate("Calm", textUpdate(1, 1, "still fast"));
    await t.standIn.waitFor((s) => s.sentMessages({ token: testToken("Calm") }).length === 1, { timeoutMs: 20_000 });
    // Calm did not wait for Noisy's backlog: each flooded update takes seconds of 429s, four at a time.
    expect(t.settled.filter((r) => r.bot_name === "Noisy").length).toBeLessThan(40);
  });

  it("marks a bot whose token Telegram rejects as failed, refuses its updates with 503, and serves the others", async () => {
    const { startBotApiStandIn } = await import("../testing/bot-api-stand-in/bot-api-stand-in.ts");
    const standIn = await startBotApiStandIn();
    standIn.rejectToken(testToken("Revoked"));
    const t = await start({ bots: { x: simpleBot("Revoked"), y: simpleBot("Fine") }, standIn });
    try {
      const ready = (await (await fetch(`${t.url}/readyz`)).json()) as { failed: Array<{ name: string; code: string }> };
      expect(ready.failed).toEqual([expect.objectContaining({ name: "Revoked", code: "TOKEN_REJECTED" })]);
      // One line per change of state, written where the state changes.
      const changes = t.logs.find("bot state changed").map(({ level, bot, folder, from, state, code }) => ({ level, bot, folder, from, state, code }));
      expect(changes.sort((a, b) => String(a.bot).localeCompare(String(b.bot)))).toEqual([
        { level: 30, bot: "Fine", folder: "y", from: "starting", state: "ready", code: undefined },
        { level: 50, bot: "Revoked", folder: "x", from: "starting", state: "failed", code: "TOKEN_REJECTED" },
      ]);
      const refused = await t.postUpdate("Revoked", textUpdate(1, 1, "x"));
      expect(refused.status).toBe(503);
      expect((await t.postUpdate("Fine", textUpdate(1, 1, "y"))).status).toBe(200);
      await t.idle();
      expect(t.standIn.sentMessages().map((m) => m.text)).toEqual(["Echo from Fine: y"]);
    } finally {
      await t.close();
      await standIn.close();
    }
  });

  it("holds updates of a bot whose getMe has not succeeded yet, and handles them once it has", async () => {
    const { startBotApiStandIn } = await import("../testing/bot-api-stand-in/bot-api-stand-in.ts");
    const standIn = await startBotApiStandIn();
    standIn.injectFault({ token: testToken("Late"), method: "getMe", times: 3, fault: { kind: "server-error" } });
    const t = await start({ bots: { l: simpleBot("Late") }, standIn, waitReady: false, env: { API_MAX_RETRIES: 1 } });
    try {
      expect(t.service.registry.get("Late")?.status).toBe("starting");
      expect((await t.postUpdate("Late", textUpdate(1, 1, "early"))).status).toBe(200);
      await t.idle();
      expect(t.service.registry.get("Late")?.status).toBe("ready");
      expect(t.standIn.sentMessages().map((m) => m.text)).toEqual(["Echo from Late: early"]);
    } finally {
      await t.close();
      await standIn.close();
    }
  });

  it("gives each bot only its own .env through ctx.env and botEnv(), and leaves process.env alone", async () => {
    const reader = composerSource(`import { botEnv } from "clustered-bots";\nconst fromHelper = botEnv(import.meta.url).CORE_API;\nc.on("message:text", (ctx) => ctx.reply(String(ctx.env.CORE_API) + "|" + String(fromHelper) + "|" + String(process.env.CORE_API) + "|" + String(ctx.env.OTHER_SECRET)));`);
    const t = await start({
      bots: {
        one: simpleBot("EnvOne", { "a.ts": reader }, { CORE_API: "http://one" }),
        two: simpleBot("EnvTwo", { "a.ts": reader }, { CORE_API: "http://two", OTHER_SECRET: "s2" }),
      },
    });
    await t.postUpdate("EnvOne", textUpdate(1, 1, "x"));
    await t.postUpdate("EnvTwo", textUpdate(1, 1, "x"));
    await t.idle();
    expect(t.standIn.sentMessages({ token: testToken("EnvOne") }).map((m) => m.text)).toEqual(["http://one|http://one|undefined|undefined"]);
    expect(t.standIn.sentMessages({ token: testToken("EnvTwo") }).map((m) => m.text)).toEqual(["http://two|http://two|undefined|s2"]);
    expect(process.env.BOT_TOKEN).toBeUndefined();
  });

  it("drains accepted updates on stop() and reports what could not finish by the deadline", async () => {
    const t = await start({ bots: { d: simpleBot("Drain", { "a.ts": sleepyReply }) }, env: { DURABILITY: "memory" } });
    await t.postUpdate("Drain", textUpdate(1, 1, "100:a"));
    await t.postUpdate("Drain", textUpdate(2, 2, "100:b"));
    await t.postUpdate("Drain", textUpdate(3, 3, "5000:never"));
    const report = await t.service.stop(600);
    expect(report.unfinished).toEqual([{ bot: "Drain", update_id: 3 }]);
    expect(t.standIn.sentMessages().map((m) => m.text).sort()).toEqual(["a", "b"]);
    expect(t.logs.find("update not finished at shutdown", { bot: "Drain", update_id: 3 })).toHaveLength(1);
  });

  it("with the durable default runs nothing again at the next start after a clean stop", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "cb-test-restart-"));
    try {
      const first = await start({ bots: { d: simpleBot("Kept") }, dataDir });
      for (let id = 1; id <= 5; id++) expect((await first.postUpdate("Kept", textUpdate(id, id, `m${id}`))).status).toBe(200);
      await first.idle();
      await first.close();
      expect(first.standIn.sentMessages()).toHaveLength(5);
      // Finished updates leave the store in batches: the stop writes the last one before the store closes.
      const second = await start({ bots: { d: simpleBot("Kept") }, dataDir });
      expect(second.logs.find("accepted updates from the last run found in the local store, handling them first")).toEqual([]);
      await second.idle();
      expect(second.standIn.sentMessages()).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("with the durable default keeps what could not finish in the local store, for the next start", async () => {
    const t = await start({ bots: { d: simpleBot("Kept", { "a.ts": sleepyReply }) } });
    await t.postUpdate("Kept", textUpdate(1, 1, "5000:never"));
    const report = await t.service.stop(300);
    expect(report.unfinished).toEqual([{ bot: "Kept", update_id: 1 }]);
    expect(t.logs.find("update not finished at shutdown, kept in the local store for the next start", { bot: "Kept", update_id: 1 })).toHaveLength(1);
    expect(t.settled.filter((r) => r.status === "cancelled")).toEqual([]);
  });
});
