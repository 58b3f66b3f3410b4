import { describe, expect, it } from "vitest";
import { orderingKey, readUpdateFacts, type UpdateFacts } from "./update-key.ts";

const user = { id: 501, is_bot: false, first_name: "Ann" };
const privateChat = { id: 501, type: "private", first_name: "Ann" };
const group = { id: -100200300, type: "supergroup", title: "Group" };
const channel = { id: -100999, type: "channel", title: "News" };

function message(chat: object, text?: string, extra: object = {}) {
  return { message_id: 1, date: 1_700_000_000, chat, from: user, ...(text === undefined ? {} : { text }), ...extra };
}

function factsAndKey(update: Record<string, unknown>): { facts: UpdateFacts; key: string | undefined } {
  const facts = readUpdateFacts(update);
  return { facts, key: orderingKey(facts) };
}

describe("readUpdateFacts and orderingKey", () => {
  it("reads a message: its chat orders it", () => {
    expect(factsAndKey({ update_id: 1, message: message(group, "hello") })).toEqual({
      facts: { eventType: "message", chatId: -100200300, userId: 501, textPreview: "hello" },
      key: "-100200300",
    });
  });

  it("reads an edited_message like a message", () => {
    expect(factsAndKey({ update_id: 2, edited_message: message(privateChat, "edited") })).toEqual({
      facts: { eventType: "edited_message", chatId: 501, userId: 501, textPreview: "edited" },
      key: "501",
    });
  });

  it("reads a channel_post without a sender", () => {
    const post = { message_id: 3, date: 1_700_000_000, chat: channel, sender_chat: channel, text: "news" };
    expect(factsAndKey({ update_id: 3, channel_post: post })).toEqual({
      facts: { eventType: "channel_post", chatId: -100999, userId: undefined, textPreview: "news" },
      key: "-100999",
    });
  });

  it("uses a message's caption when it has no text", () => {
    expect(readUpdateFacts({ update_id: 4, message: message(group, undefined, { caption: "a photo", photo: [] }) }).textPreview).toBe("a photo");
  });

  it("orders a callback_query on a message by the message's chat", () => {
    const query = { id: "cb1", from: { ...user, id: 777 }, chat_instance: "ci", message: message(group, "menu"), data: "press" };
    expect(factsAndKey({ update_id: 5, callback_query: query })).toEqual({
      facts: { eventType: "callback_query", chatId: -100200300, userId: 777, textPreview: "press" },
      key: "-100200300",
    });
  });

  it("orders an inline callback_query (no message) by its user", () => {
    const query = { id: "cb2", from: { ...user, id: 777 }, chat_instance: "ci", inline_message_id: "im1", data: "press" };
    expect(factsAndKey({ update_id: 6, callback_query: query })).toEqual({
      facts: { eventType: "callback_query", chatId: undefined, userId: 777, textPreview: "press" },
      key: "777",
    });
  });

  it("orders an inline_query by its user", () => {
    expect(factsAndKey({ update_id: 7, inline_query: { id: "iq", from: user, query: "cats", offset: "" } })).toEqual({
      facts: { eventType: "inline_query", chatId: undefined, userId: 501, textPreview: "cats" },
      key: "501",
    });
  });

  it("orders my_chat_member by its chat", () => {
    const change = {
      chat: group,
      from: user,
      date: 1_700_000_000,
      old_chat_member: { status: "left", user },
      new_chat_member: { status: "member", user },
    };
    expect(factsAndKey({ update_id: 8, my_chat_member: change })).toEqual({
      facts: { eventType: "my_chat_member", chatId: -100200300, userId: 501, textPreview: undefined },
      key: "-100200300",
    });
  });

  it("orders message_reaction by its chat and reads its user", () => {
    const reaction = { chat: group, message_id: 9, user, date: 1_700_000_000, old_reaction: [], new_reaction: [{ type: "emoji", emoji: "👍" }] };
    expect(factsAndKey({ update_id: 9, message_reaction: reaction })).toEqual({
      facts: { eventType: "message_reaction", chatId: -100200300, userId: 501, textPreview: undefined },
      key: "-100200300",
    });
  });

  it("gives a poll (no chat, no user) no ordering key", () => {
    const poll = { id: "p1", question: "?", options: [], total_voter_count: 0, is_closed: false, is_anonymous: true, type: "regular", allows_multiple_answers: false };
    expect(factsAndKey({ update_id: 10, poll })).toEqual({
      facts: { eventType: "poll", chatId: undefined, userId: undefined, textPreview: undefined },
      key: undefined,
    });
  });

  it("orders a poll_answer by its user", () => {
    expect(factsAndKey({ update_id: 11, poll_answer: { poll_id: "p1", user, option_ids: [0] } })).toEqual({
      facts: { eventType: "poll_answer", chatId: undefined, userId: 501, textPreview: undefined },
      key: "501",
    });
  });

  it("orders an anonymous poll_answer by its voter chat", () => {
    expect(orderingKey(readUpdateFacts({ update_id: 12, poll_answer: { poll_id: "p1", voter_chat: channel, option_ids: [0] } }))).toBe("-100999");
  });

  it("orders an update type it does not know by the chat it carries", () => {
    expect(factsAndKey({ update_id: 13, future_thing: { chat: { id: 4242, type: "private" }, from: { id: 9 }, text: "new" } })).toEqual({
      facts: { eventType: "future_thing", chatId: 4242, userId: 9, textPreview: "new" },
      key: "4242",
    });
  });

  it("finds the event type whatever the field order", () => {
    expect(readUpdateFacts({ message: message(group, "x"), update_id: 14 }).eventType).toBe("message");
  });

  it("copes with an update that has only update_id, or a payload that is not an object", () => {
    expect(factsAndKey({ update_id: 15 })).toEqual({
      facts: { eventType: undefined, chatId: undefined, userId: undefined, textPreview: undefined },
      key: undefined,
    });
    expect(factsAndKey({ update_id: 16, strange: [1, 2] })).toEqual({
      facts: { eventType: "strange", chatId: undefined, userId: undefined, textPreview: undefined },
      key: undefined,
    });
  });

  it("cuts the text preview to 80 characters", () => {
    const text = "x".repeat(79) + "yz" + "w".repeat(100);
    const preview = readUpdateFacts({ update_id: 17, message: message(group, text) }).textPreview;
    expect(preview).toBe("x".repeat(79) + "y");
    const short = "y".repeat(80);
    expect(readUpdateFacts({ update_id: 18, message: message(group, short) }).textPreview).toBe(short);
  });

  it("does not split a character made of two UTF-16 units when cutting the preview", () => {
    const preview = readUpdateFacts({ update_id: 19, message: message(group, "a".repeat(79) + "😀" + "b") }).textPreview ?? "";
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(preview)).toBe(false);
  });
});
