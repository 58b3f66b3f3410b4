/**
 * Bot API methods as the stand-in answers them when no fault is injected: getMe, the sending
 * methods, `true` for the rest, and Telegram's 404 for a path that is no method.
 */
import { describe, expect, it } from "vitest";
import { Bot } from "grammy";
import { botIdFromToken } from "./bot-api-stand-in.ts";
import { grammyError, standInPerTest, TOKEN_A, TOKEN_B } from "./stand-in-test-helpers.ts";

const each = standInPerTest();
const api = each.api;

describe("results", () => {
  it("answers getMe with a bot user whose id is the token's numeric prefix", async () => {
    const me = await api().getMe();
    expect(me).toEqual({
      id: 111111,
      is_bot: true,
      first_name: expect.any(String) as unknown,
      username: "stand_in_111111_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    });
  });

  it("derives a stable positive id from a token without a numeric prefix", async () => {
    const a = await api("not-a-real-token").getMe();
    const again = await api("not-a-real-token").getMe();
    const other = await api("another-token").getMe();
    expect(a.id).toBeGreaterThan(0);
    expect(Number.isSafeInteger(a.id)).toBe(true);
    expect(again.id).toBe(a.id);
    expect(other.id).not.toBe(a.id);
    expect(a.username).toBe(`stand_in_${a.id}_bot`);
    expect(botIdFromToken("not-a-real-token")).toBe(a.id);
  });

  it("works as grammY's apiRoot for Bot.init", async () => {
    const bot = new Bot(TOKEN_B, { client: { apiRoot: each.standIn.apiRoot } });
    await bot.init();
    expect(bot.botInfo.id).toBe(222222);
    expect(each.standIn.calls({ token: TOKEN_B }).map((c) => c.method)).toEqual(["getMe"]);
  });

  it("lets Bot.start poll (getUpdates answers an empty batch) and Bot.stop end it", async () => {
    const bot = new Bot(TOKEN_A, { client: { apiRoot: each.standIn.apiRoot } });
    const running = bot.start();
    await each.standIn.waitFor((s) => s.calls({ method: "getUpdates" }).length >= 1);
    await bot.stop();
    await running;
    const methods = each.standIn.calls().map((c) => c.method);
    expect(methods).toContain("deleteWebhook");
    expect(methods.filter((m) => m === "getUpdates").length).toBeGreaterThanOrEqual(2);
  });

  it("answers sendMessage with a Message and records it", async () => {
    const first = await api().sendMessage(42, "hello");
    const second = await api().sendMessage(42, "again");
    const otherChat = await api().sendMessage(43, "elsewhere");

    expect(first).toMatchObject({ message_id: 1, chat: { id: 42, type: "private" }, text: "hello" });
    expect(first.from?.id).toBe(111111);
    expect(first.date).toBeGreaterThan(1_600_000_000);
    expect(second.message_id).toBe(2);
    expect(otherChat.message_id).toBe(1);

    const sent = each.standIn.sentMessages();
    expect(sent.map((m) => [m.chatId, m.text])).toEqual([
      [42, "hello"],
      [42, "again"],
      [43, "elsewhere"],
    ]);
    expect(each.standIn.sentMessages({ chatId: 43 }).map((m) => m.text)).toEqual(["elsewhere"]);
    expect(each.standIn.sentMessages({ chatId: "42" })).toHaveLength(2);

    const calls = each.standIn.calls({ method: "sendMessage" });
    expect(calls[0]).toMatchObject({ token: TOKEN_A, method: "sendMessage", payload: { chat_id: 42, text: "hello" }, status: 200 });
    const seqs = calls.map((c) => c.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(3);
    expect(calls[0]?.receivedAt).toBeLessThanOrEqual(calls[1]?.receivedAt ?? -1);
  });

  it("answers Telegram's 400 for a sendMessage without text, and does not count it as sent", async () => {
    const error = await grammyError(api().sendMessage(42, ""));
    expect(error.error_code).toBe(400);
    expect(each.standIn.sentMessages()).toHaveLength(0);
    expect(each.standIn.calls()).toHaveLength(1);
  });

  it("answers `true` for other methods", async () => {
    await expect(api().sendChatAction(42, "typing")).resolves.toBe(true);
    await expect(api().deleteMessage(42, 1)).resolves.toBe(true);
    await expect(api().setMyCommands([{ command: "start", description: "go" }])).resolves.toBe(true);
  });

  it("answers an unknown path with a Telegram-style 404", async () => {
    for (const path of ["/", "/bot", `/bot${TOKEN_A}`, "/something/else"]) {
      const res = await fetch(`${each.standIn.apiRoot}${path}`, { method: "POST" });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ ok: false, error_code: 404, description: "Not Found" });
    }
    expect(each.standIn.calls()).toHaveLength(0);
  });
});
