/**
 * The methods that send messages (send*, forwardMessage, copyMessage, sendMediaGroup), answered
 * with the Message(s) Telegram would return; sendMessage texts are recorded as sent messages.
 */
import { botUser } from "./bot-user.ts";
import { normaliseChatId } from "./chat-id.ts";
import type { RecordedCall } from "./recorded-calls.ts";
import type { StandInState } from "./stand-in-state.ts";
import { ok, telegramError, type TelegramAnswer } from "./telegram-answers.ts";

/** Methods whose result is the sent Message (sendChatAction is a `send*` that answers `true`). */
const MESSAGE_METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "sendAudio",
  "sendDocument",
  "sendVideo",
  "sendAnimation",
  "sendVoice",
  "sendVideoNote",
  "sendPaidMedia",
  "sendSticker",
  "sendLocation",
  "sendVenue",
  "sendContact",
  "sendPoll",
  "sendDice",
  "sendInvoice",
  "sendGame",
  "forwardMessage",
]);

export function isMessageMethod(method: string): boolean {
  return MESSAGE_METHODS.has(method) || method === "copyMessage" || method === "sendMediaGroup";
}

export function answerMessageMethod(state: StandInState, call: RecordedCall): TelegramAnswer {
  const { token, method, payload } = call;
  const chatId = normaliseChatId(payload["chat_id"]);
  if (chatId === undefined) return telegramError(400, "Bad Request: chat_id is empty");
  if (state.floodLimit !== undefined && !state.floodLimit.admit(token, chatId, call.receivedAt)) {
    call.fault = "too-many-requests";
    return telegramError(429, "Too Many Requests: retry after 1", { retry_after: 1 });
  }
  if (method === "sendMessage") {
    const text = payload["text"];
    if (typeof text !== "string" || text === "") {
      return telegramError(400, "Bad Request: message text is empty");
    }
  }
  const bot = botUser(token);
  const message = (): Record<string, unknown> => ({
    message_id: state.messageIds.next(token, chatId),
    date: Math.floor(Date.now() / 1000),
    chat: { id: chatId, type: "private" },
    from: bot,
  });
  if (method === "copyMessage") return ok({ message_id: state.messageIds.next(token, chatId) });
  if (method === "sendMediaGroup") {
    return ok(Array.from({ length: Math.max(1, mediaCount(payload["media"])) }, message));
  }
  const result = message();
  if (method === "sendMessage") {
    const text = payload["text"] as string;
    result["text"] = text;
    // Recorded before the answer is written, so a caller whose await resolved already sees it.
    state.sent.add({ token, chatId, text, seq: call.seq, receivedAt: call.receivedAt });
  } else if (typeof payload["caption"] === "string") {
    result["caption"] = payload["caption"];
  }
  return ok(result);
}

/** How many messages a sendMediaGroup `media` parameter (an array, or JSON of one) asks for. */
function mediaCount(media: unknown): number {
  if (Array.isArray(media)) return media.length;
  if (typeof media === "string") {
    try {
      const parsed: unknown = JSON.parse(media);
      if (Array.isArray(parsed)) return parsed.length;
    } catch {
      // Not JSON: Telegram would reject it, one message is as good an answer as any here.
    }
  }
  return 1;
}
