/**
 * Outgoing flood control as a grammY API transformer: a message-sending call waits for a slot of
 * its bot (overall), its chat, and its group, then goes out. A 429 that still comes back holds that
 * chat for `retry_after`, so the bot's other sends to it wait instead of running into the same 429.
 *
 * Install order (decided in the bot setup, service/bot-setup.ts): grammY's last-installed
 * transformer is the outermost, and this one is installed after the API-retry transformer, so it
 * wraps the retries. That is what we want: one slot per message, taken once, and the retry transformer's repeats of that
 * message (after `retry_after`, a 5xx or a network error, none of which Telegram counted as a
 * sent message) do not queue again behind every message reserved meanwhile. A 429 reaches this
 * transformer only when the retries gave up; the penalty then protects the next messages.
 */
import type { Transformer } from "grammy";
import type { Logger } from "pino";
import { sleep } from "../telegram/backoff.ts";
import type { FloodLimiter, FloodTarget } from "./flood-limiter.ts";

/** The methods Telegram counts as sending a message (sendChatAction is a `send*` that is not). */
export function isThrottledMethod(method: string): boolean {
  if (method === "sendChatAction") return false;
  return method.startsWith("send") || method.startsWith("copyMessage") || method.startsWith("forwardMessage") || method.startsWith("editMessage");
}

/** Groups, supergroups and channels have negative ids; a `@username` chat id is a channel. */
export function floodTarget(bot: string, payload: unknown): FloodTarget {
  const chatId = (payload as { chat_id?: unknown } | null | undefined)?.chat_id;
  if (typeof chatId === "number" && Number.isFinite(chatId)) return { bot, chatId: String(chatId), group: chatId < 0 };
  if (typeof chatId === "string" && chatId !== "") return { bot, chatId, group: chatId.startsWith("-") || chatId.startsWith("@") };
  return { bot, chatId: undefined, group: false };
}

export interface FloodControlTransformerOptions {
  limiter: FloodLimiter;
  botName: string;
  logger: Logger;
  /** Told how long a send waited for its slot, when it waited. */
  onDelay?: (waitedMs: number) => void;
}

export function floodControlTransformer(options: FloodControlTransformerOptions): Transformer {
  const { limiter, botName, logger } = options;
  let limiterDownLogged = false;
  return async (prev, method, payload, signal) => {
    if (!isThrottledMethod(method)) return prev(method, payload, signal);
    const target = floodTarget(botName, payload);
    try {
      // The chat's slot first, then a bot-wide one at the time the message really goes (see
      // FloodScope); both at once when the chat's slot is free now.
      const first = await limiter.reserveSend(target);
      if (first.waitMs > 0) await sleep(first.waitMs, signal as AbortSignal | undefined);
      let waitedMs = first.waitMs;
      if (!first.botReserved) {
        const waitMs = await limiter.reserve(target, "bot");
        if (waitMs > 0) await sleep(waitMs, signal as AbortSignal | undefined);
        waitedMs += Math.max(0, waitMs);
      }
      if (waitedMs > 0) options.onDelay?.(waitedMs);
      limiterDownLogged = false;
    } catch (error) {
      if (signal?.aborted === true) throw error;
      // A shared limiter that cannot be reached (Redis down) must not stop the bot from answering.
      if (!limiterDownLogged) logger.warn({ err: error, method }, "flood limiter unavailable, sending without it");
      limiterDownLogged = true;
    }
    const response = await prev(method, payload, signal);
    const retryAfter = response.ok ? undefined : response.parameters?.retry_after;
    if (!response.ok && response.error_code === 429 && typeof retryAfter === "number") {
      logger.warn({ method, chat_id: target.chatId, retryAfterSeconds: retryAfter }, "telegram flood limit hit despite flood control; holding the chat");
      await limiter.penalize(target, retryAfter * 1000).catch(() => undefined);
    }
    return response;
  };
}
