/**
 * Updates pushed for a bot coming out through getUpdates: offset, limit, long polls, 409s and
 * allowed_updates.
 */
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { GrammyError } from "grammy";
import { rejection, standInPerTest, TOKEN_A, TOKEN_B } from "./stand-in-test-helpers.ts";

const each = standInPerTest();
const api = each.api;

describe("updates for bots: getUpdates and webhooks", () => {
  it("getUpdates returns queued updates from the offset, drops confirmed ones, and honours limit", async () => {
    for (let i = 0; i < 3; i++) each.standIn.pushUpdate(TOKEN_A, { message: { message_id: i, date: 0, chat: { id: 1, type: "private" }, text: `t${i}` } });
    each.standIn.pushUpdate(TOKEN_B, { update_id: 900, message: { message_id: 1, date: 0, chat: { id: 1, type: "private" }, text: "b" } });
    const first = await api().getUpdates({ limit: 2 });
    expect(first.map((u) => u.update_id)).toEqual([1, 2]);
    const next = await api().getUpdates({ offset: 3 });
    expect(next.map((u) => u.update_id)).toEqual([3]);
    expect(each.standIn.pendingUpdates(TOKEN_A).map((u) => u.update_id)).toEqual([3]);
    expect((await api(TOKEN_B).getUpdates()).map((u) => u.update_id)).toEqual([900]);
  });

  it("holds a long poll until an update arrives, or until the timeout with an empty batch", async () => {
    const started = performance.now();
    const empty = await api().getUpdates({ timeout: 1 });
    expect(empty).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    // Answered by the push, not by running out: measured against the poll's own timeout.
    const timeoutSeconds = 10;
    const polled = performance.now();
    const waiting = api().getUpdates({ timeout: timeoutSeconds });
    await each.standIn.waitFor((s) => s.calls({ method: "getUpdates" }).length === 2);
    each.standIn.pushUpdate(TOKEN_A, { callback_query: { id: "1" } });
    expect((await waiting).map((u) => u.update_id)).toEqual([1]);
    expect(performance.now() - polled).toBeLessThan(timeoutSeconds * 1000);
  });

  it("answers 409 to the older poll when a second poller calls, and to getUpdates while a webhook is set", async () => {
    const older = rejection(api().getUpdates({ timeout: 10 }));
    await each.standIn.waitFor((s) => s.calls({ method: "getUpdates" }).length === 1);
    const newer = api().getUpdates({ timeout: 1 });
    const error = (await older) as GrammyError;
    expect(error).toBeInstanceOf(GrammyError);
    expect(error.error_code).toBe(409);
    expect(error.description).toContain("terminated by other getUpdates request");
    expect(await newer).toEqual([]);
    await api().setWebhook("http://127.0.0.1:1/hook");
    const conflict = (await rejection(api().getUpdates())) as GrammyError;
    expect(conflict.error_code).toBe(409);
    expect(conflict.description).toContain("webhook is active");
  });

  it("leaves chat_member and reaction updates out unless asked for", async () => {
    each.standIn.pushUpdate(TOKEN_A, { chat_member: {} });
    each.standIn.pushUpdate(TOKEN_A, { message_reaction: {} });
    each.standIn.pushUpdate(TOKEN_A, { poll: {} });
    expect((await api().getUpdates()).map((u) => u.update_id)).toEqual([3]);
    each.standIn.pushUpdate(TOKEN_A, { chat_member: {} });
    expect((await api().getUpdates({ allowed_updates: ["chat_member"] })).map((u) => u.update_id)).toEqual([4]);
  });
});
