/**
 * getUpdates as Telegram answers it: the offset confirms (drops) earlier updates, `limit` caps
 * the batch, `timeout` holds the request until an update is pushed, and there is a 409 while a
 * webhook is set or when a newer getUpdates replaces one still waiting.
 */
import { performance } from "node:perf_hooks";
import { readAllowedUpdates, updateAllowed } from "./allowed-updates.ts";
import type { BotCallExchange } from "./bot-call-exchange.ts";
import type { Shutdown } from "./shutdown.ts";
import type { TokenState } from "./token-state.ts";
import { telegramError } from "./telegram-answers.ts";

/** Telegram itself does not hold a long poll much beyond this. */
const MAX_LONG_POLL_SECONDS = 60;

export async function answerGetUpdates(tokenState: TokenState, exchange: BotCallExchange, shutdown: Shutdown): Promise<void> {
  const payload = exchange.call.payload;
  if (tokenState.webhook !== undefined) {
    const { status, body } = telegramError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    exchange.answer(status, body);
    return;
  }
  // As with Telegram, a newer getUpdates ends the one still waiting; the older gets the 409.
  tokenState.terminatePoll?.();
  const offset = Number(payload["offset"] ?? 0);
  if (Number.isInteger(offset) && offset > 0) tokenState.queue = tokenState.queue.filter((u) => (u.update_id as number) >= offset);
  else if (Number.isInteger(offset) && offset < 0) tokenState.queue = tokenState.queue.slice(offset);
  const allowed = readAllowedUpdates(payload["allowed_updates"]);
  tokenState.queue = tokenState.queue.filter((u) => updateAllowed(u, allowed));
  const limitRaw = Number(payload["limit"] ?? 100);
  const limit = Number.isInteger(limitRaw) && limitRaw >= 1 && limitRaw <= 100 ? limitRaw : 100;
  const timeout = Number(payload["timeout"] ?? 0);
  const deadline = performance.now() + (Number.isFinite(timeout) && timeout > 0 ? Math.min(timeout, MAX_LONG_POLL_SECONDS) * 1000 : 0);

  const terminated = await holdPoll(tokenState, exchange, shutdown, deadline);
  if (exchange.abandoned) return;
  if (terminated) {
    const { status, body } = telegramError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
    exchange.answer(status, body);
    return;
  }
  exchange.answer(200, { ok: true, result: tokenState.queue.slice(0, limit) });
}

/**
 * Waits while the queue is empty, until `deadline` (performance.now()), the client goes, the
 * stand-in closes, or a newer getUpdates (or reset) terminates this one. Returns whether it was
 * terminated.
 */
async function holdPoll(tokenState: TokenState, exchange: BotCallExchange, shutdown: Shutdown, deadline: number): Promise<boolean> {
  const res = exchange.res;
  let terminated = false;
  let wakeSelf: (() => void) | undefined;
  const terminate = (): void => {
    terminated = true;
    wakeSelf?.();
  };
  tokenState.terminatePoll = terminate;
  const gone = (): void => wakeSelf?.();
  res.once("close", gone);
  try {
    while (tokenState.queue.length === 0 && !terminated && !shutdown.closed && !res.destroyed) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      const waiting = shutdown.wakeableSleep(remaining, tokenState.waiters);
      wakeSelf = waiting.wake;
      await waiting.done;
      wakeSelf = undefined;
    }
  } finally {
    res.off("close", gone);
    if (tokenState.terminatePoll === terminate) tokenState.terminatePoll = undefined;
  }
  return terminated;
}
