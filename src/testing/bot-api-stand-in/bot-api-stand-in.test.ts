/**
 * The handle a test holds: tokens kept apart, reset, and waitFor.
 */
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { rejection, standInPerTest, TOKEN_A, TOKEN_B } from "./stand-in-test-helpers.ts";

const each = standInPerTest();
const api = each.api;

describe("isolation, reset and waitFor", () => {
  it("keeps tokens apart: message ids, calls and sent messages", async () => {
    await api(TOKEN_A).sendMessage(10, "a1");
    await api(TOKEN_A).sendMessage(10, "a2");
    const b1 = await api(TOKEN_B).sendMessage(10, "b1");
    expect(b1.message_id).toBe(1);
    expect(b1.from?.id).toBe(222222);
    expect(each.standIn.calls({ token: TOKEN_A })).toHaveLength(2);
    expect(each.standIn.calls({ token: TOKEN_B, method: "sendMessage" }).map((c) => c.payload["text"])).toEqual(["b1"]);
    expect(each.standIn.sentMessages({ token: TOKEN_A }).map((m) => m.text)).toEqual(["a1", "a2"]);
  });

  it("reset forgets calls, faults and message ids", async () => {
    await api().sendMessage(10, "before");
    each.standIn.injectFault({ fault: { kind: "server-error" } });
    each.standIn.reset();
    expect(each.standIn.calls()).toEqual([]);
    expect(each.standIn.sentMessages()).toEqual([]);
    const message = await api().sendMessage(10, "after");
    expect(message.message_id).toBe(1);
  });

  it("waitFor resolves once the predicate holds", async () => {
    setTimeout(() => void api().sendMessage(1, "later").catch(() => undefined), 50);
    await each.standIn.waitFor((s) => s.sentMessages().length === 1, { timeoutMs: 20_000 });
    expect(each.standIn.sentMessages()[0]?.text).toBe("later");
  });

  it("waitFor rejects with a clear error on timeout, without naming tokens", async () => {
    await api().getMe();
    const started = performance.now();
    const error = await rejection(each.standIn.waitFor(() => false, { timeoutMs: 100 }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain("100 ms");
    expect(message).toContain("getMe");
    expect(message).not.toContain(TOKEN_A);
  });
});
