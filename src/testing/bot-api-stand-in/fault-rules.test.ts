/**
 * Which calls a fault rule answers: how many times, in which order, scoped to a token, method or chat.
 */
import { describe, expect, it } from "vitest";
import { grammyError, standInPerTest, TOKEN_A, TOKEN_B } from "./stand-in-test-helpers.ts";

const each = standInPerTest();
const api = each.api;

describe("fault rules", () => {
  it("are consumed `times` times (default once)", async () => {
    each.standIn.injectFault({ fault: { kind: "server-error" } });
    await grammyError(api().getMe());
    await expect(api().getMe()).resolves.toBeDefined();

    each.standIn.injectFault({ times: 2, fault: { kind: "server-error" } });
    await grammyError(api().getMe());
    await grammyError(api().getMe());
    await expect(api().getMe()).resolves.toBeDefined();
    expect(each.standIn.calls().map((c) => c.status)).toEqual([500, 200, 500, 500, 200]);
  });

  it("with times: Infinity keep failing until clearFaults", async () => {
    each.standIn.injectFault({ times: Infinity, fault: { kind: "server-error" } });
    for (let i = 0; i < 5; i++) await grammyError(api().getMe());
    each.standIn.clearFaults();
    await expect(api().getMe()).resolves.toBeDefined();
    expect(each.standIn.calls().filter((c) => c.fault === "server-error")).toHaveLength(5);
  });

  it("refuse a nonsensical times", () => {
    expect(() => each.standIn.injectFault({ times: 0, fault: { kind: "drop-connection" } })).toThrow(RangeError);
    expect(() => each.standIn.injectFault({ times: 1.5, fault: { kind: "drop-connection" } })).toThrow(RangeError);
  });

  it("can be scoped to a token", async () => {
    each.standIn.injectFault({ token: TOKEN_B, fault: { kind: "server-error" } });
    await expect(api(TOKEN_A).getMe()).resolves.toBeDefined();
    expect((await grammyError(api(TOKEN_B).getMe())).error_code).toBe(500);
    await expect(api(TOKEN_B).getMe()).resolves.toBeDefined();
  });

  it("can be scoped to a method", async () => {
    each.standIn.injectFault({ method: "sendMessage", fault: { kind: "server-error" } });
    await expect(api().getMe()).resolves.toBeDefined();
    await grammyError(api().sendMessage(1, "x"));
    await expect(api().sendMessage(1, "y")).resolves.toBeDefined();
    expect(each.standIn.calls().map((c) => [c.method, c.status])).toEqual([
      ["getMe", 200],
      ["sendMessage", 500],
      ["sendMessage", 200],
    ]);
  });

  it("can be scoped to a chat, whether the id is given as number or string", async () => {
    each.standIn.injectFault({ chatId: 2, fault: { kind: "server-error" } });
    each.standIn.injectFault({ chatId: "3", fault: { kind: "server-error" } });
    await expect(api().getMe()).resolves.toBeDefined(); // no chat_id: a chat-scoped rule never matches
    await expect(api().sendMessage(1, "one")).resolves.toBeDefined();
    await grammyError(api().sendMessage(2, "two"));
    await grammyError(api().sendMessage(3, "three"));
    await expect(api().sendMessage(2, "two again")).resolves.toBeDefined();
    expect(each.standIn.sentMessages().map((m) => m.text)).toEqual(["one", "two again"]);
  });

  it("are matched in the order they were injected", async () => {
    each.standIn.injectFault({ method: "getMe", fault: { kind: "server-error", status: 502 } });
    each.standIn.injectFault({ fault: { kind: "server-error", status: 503 } });
    expect((await grammyError(api().getMe())).error_code).toBe(502);
    expect((await grammyError(api().getMe())).error_code).toBe(503);
  });
});
