/**
 * The answer to a Bot API call that no fault decided: the method's Telegram result, or `true`
 * for every method the stand-in does not model (setMyCommands, deleteMessage, answerCallbackQuery,
 * editMessageText...).
 * getUpdates is held, not answered here: see get-updates.ts.
 */
import { botUser } from "./bot-user.ts";
import { getFile } from "./file-methods.ts";
import { answerMessageMethod, isMessageMethod } from "./message-methods.ts";
import type { RecordedCall } from "./recorded-calls.ts";
import type { StandInState } from "./stand-in-state.ts";
import { ok, type TelegramAnswer } from "./telegram-answers.ts";
import { deleteWebhook, getWebhookInfo, setWebhook } from "./webhook-methods.ts";

export function resultFor(state: StandInState, call: RecordedCall): TelegramAnswer {
  const { token, method, payload } = call;
  if (isMessageMethod(method)) return answerMessageMethod(state, call);
  switch (method) {
    case "getMe":
      return ok(botUser(token));
    case "setWebhook":
      return setWebhook(state.tokens.get(token), payload);
    case "deleteWebhook":
      return deleteWebhook(state.tokens.get(token), payload);
    case "getFile":
      return getFile(payload);
    case "getWebhookInfo":
      return getWebhookInfo(state.tokens.get(token));
    default:
      return ok(true);
  }
}
