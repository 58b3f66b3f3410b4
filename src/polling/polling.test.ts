/**
 * Long polling of several bots at once against the Bot API stand-in's getUpdates queue: updates
 * flow to the bots, offsets are confirmed, and one bot's 409 (webhook set), 401 (token revoked)
 * or 429 stays with that bot while the others keep polling.
 */
import { Api } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { startBotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { simpleBot, testToken } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";
import { parseServiceConfig } from "../config/service-config.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startPolling(bots: Record<string, Record<string, string>>, standIn: Awaited<ReturnType<typeof startBotApiStandIn>>, env: Record<string, string | number> = {}): Promise<TestService> {
  const t = await startTestService({
    bots,
    standIn,
    env: { BOT_MODE: "polling", POLLING_TIMEOUT_SECONDS: 1, POLLING_MAX_BACKOFF_MS: 200, ...env },
  });
  cleanups.push(() => t.close());
  return t;
}

describe("long polling", () => {
  it("polls several bots at once; a 409, a 401 and a 429 each stay with their bot", async () => {
    const standIn = await startBotApiStandIn();
    cleanups.push(() => standIn.close());
    // Conflicted: a webhook is still set, so getUpdates answers 409.
    await new Api(testToken("Conflicted"), { apiRoot: standIn.apiRoot }).setWebhook("https://elsewhere.example/hook");
    standIn.pushUpdate(testToken("Conflicted"), textUpdate(1, 3, "never polled"));
    standIn.rejectToken(testToken("Revoked"));
    standIn.injectFault({ token: testToken("Limited"), method: "getUpdates", fault: { kind: "too-many-requests", retryAfterSeconds: 1 } });
    standIn.pushUpdate(testToken("Steady"), textUpdate(1, 1, "first"));
    standIn.pushUpdate(testToken("Limited"), textUpdate(500, 2, "limited one"));

    const t = await startPolling(
      { a: simpleBot("Steady"), b: simpleBot("Conflicted"), c: simpleBot("Revoked"), d: simpleBot("Limited") },
      standIn,
    );
    standIn.pushUpdate(testToken("Steady"), textUpdate(2, 1, "second"));
    standIn.pushUpdate(testToken("Steady"), textUpdate(3, 1, "third"));
    await standIn.waitFor((s) => s.sentMessages({ token: testToken("Steady") }).length === 3 && s.sentMessages({ token: testToken("Limited") }).length === 1);
    expect(standIn.sentMessages({ token: testToken("Steady") }).map((m) => m.text)).toEqual(["Echo from Steady: first", "Echo from Steady: second", "Echo from Steady: third"]);

    // 429: the next getUpdates came only after retry_after.
    const limitedPolls = standIn.calls({ token: testToken("Limited"), method: "getUpdates" });
    expect(limitedPolls[0]?.status).toBe(429);
    expect((limitedPolls[1]?.receivedAt ?? 0) - (limitedPolls[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(990);

    // 409: reported for that bot, retried, its update untouched.
    await standIn.waitFor((s) => s.calls({ token: testToken("Conflicted"), method: "getUpdates" }).length >= 2);
    const conflicts = t.logs.find("getUpdates conflict for this bot: another process polls it, or a webhook is set (POLLING_DELETE_WEBHOOK=1 removes it); retrying", { bot: "Conflicted" });
    expect(conflicts.length).toBeGreaterThanOrEqual(1);
    expect(conflicts[0]).toMatchObject({ code: "POLLING_CONFLICT", level: 50 });
    expect(standIn.pendingUpdates(testToken("Conflicted"))).toHaveLength(1);

    // 401: that bot's polling stopped, once.
    expect(t.logs.find("polling stopped for this bot: Telegram rejected its token", { bot: "Revoked", code: "TOKEN_REJECTED" })).toHaveLength(1);
    const revokedPolls = standIn.calls({ token: testToken("Revoked"), method: "getUpdates" }).length;
    expect(revokedPolls).toBe(1);

    // Offsets: the next poll confirmed what the bots took (Telegram drops confirmed updates).
    await standIn.waitFor((s) => s.pendingUpdates(testToken("Steady")).length === 0);
    const steadyOffsets = standIn.calls({ token: testToken("Steady"), method: "getUpdates" }).map((c) => c.payload.offset);
    expect(steadyOffsets).toContain(4);
    // The reply reaches the stand-in before the handler returns and the update settles.
    await t.idle();
    expect(t.settled.filter((r) => r.bot_name === "Steady").map((r) => r.update_id)).toEqual([1, 2, 3]);
    expect(standIn.calls({ token: testToken("Revoked"), method: "getUpdates" })).toHaveLength(revokedPolls);
  });

  it("deletes a set webhook first only when asked, then polls", async () => {
    const standIn = await startBotApiStandIn();
    cleanups.push(() => standIn.close());
    await new Api(testToken("Switcher"), { apiRoot: standIn.apiRoot }).setWebhook("https://elsewhere.example/hook");
    standIn.pushUpdate(testToken("Switcher"), textUpdate(1, 9, "kept while switching"));
    await startPolling({ s: simpleBot("Switcher") }, standIn, { POLLING_DELETE_WEBHOOK: "yes" });
    await standIn.waitFor((s) => s.sentMessages().length === 1);
    expect(standIn.webhook(testToken("Switcher"))).toBeUndefined();
    expect(standIn.calls({ method: "getUpdates" }).every((c) => c.status === undefined || c.status === 200)).toBe(true);
  });

  it("stops promptly at shutdown and confirms the offset of what it took", async () => {
    const standIn = await startBotApiStandIn();
    cleanups.push(() => standIn.close());
    const t = await startPolling({ s: simpleBot("Quitter") }, standIn, { POLLING_TIMEOUT_SECONDS: 25 });
    standIn.pushUpdate(testToken("Quitter"), textUpdate(41, 9, "last words"));
    await standIn.waitFor((s) => s.sentMessages().length === 1);
    // Let the poller start its next (25 s) long poll, then stop: it must not wait for it (the
    // bound is half the poll, far above what a busy machine adds).
    await standIn.waitFor((s) => s.calls({ method: "getUpdates" }).length >= 2);
    const before = performance.now();
    await t.close();
    expect(performance.now() - before).toBeLessThan(12_500);
    expect(standIn.pendingUpdates(testToken("Quitter"))).toEqual([]);
  });

  it("refuses, in polling mode only, a long-poll timeout that the API timeout would cut", () => {
    expect(() => parseServiceConfig({ BOT_MODE: "polling", POLLING_TIMEOUT_SECONDS: 30, API_TIMEOUT_SECONDS: 30 })).toThrow(/POLLING_TIMEOUT_SECONDS="?30"?: must be below API_TIMEOUT_SECONDS \(30\)/);
    expect(parseServiceConfig({ BOT_MODE: "webhook", POLLING_TIMEOUT_SECONDS: 30, API_TIMEOUT_SECONDS: 30 }).POLLING_TIMEOUT_SECONDS).toBe(30);
  });
});
