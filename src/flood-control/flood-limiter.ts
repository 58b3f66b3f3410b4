/**
 * What a flood limiter is: it hands out send slots per bot under three Telegram limits (overall,
 * per chat, per group) and learns from 429s. Two implementations: in memory (one process) and
 * Redis (every worker of queue mode shares the same slots). Both run the same GCRA arithmetic.
 */

/** One limit as GCRA sees it: a slot every `intervalMs`, up to `burst` slots at once. */
export interface Rate {
  intervalMs: number;
  burst: number;
}

/** The limits of one bot; an absent rate is no limit. */
export interface FloodLimits {
  global: Rate | undefined;
  chat: Rate | undefined;
  group: Rate | undefined;
}

/** Who a message goes to: `chatId` absent for calls without a chat (then only the bot-wide limit applies). */
export interface FloodTarget {
  bot: string;
  chatId: string | undefined;
  /** Groups, supergroups and channels have their own per-minute limit. */
  group: boolean;
}

/**
 * `chat`: the per-chat and per-group limits of the target's chat; `bot`: the bot-wide limit. A
 * send reserves its chat slot first, waits for it, and only then reserves a bot-wide slot: a chat
 * with a long queue must not book bot-wide slots far ahead and hold up every other chat.
 */
export type FloodScope = "chat" | "bot";

/** What `reserveSend` took: the wait, and whether the bot-wide slot is part of it. */
export interface SendReservation {
  waitMs: number;
  /** false: only the chat's slot was taken (it is `waitMs` away); reserve the "bot" scope after waiting. */
  botReserved: boolean;
}

export interface FloodLimiter {
  /** Takes the earliest slot the scope's limits allow and returns how long to wait for it (ms). */
  reserve(target: FloodTarget, scope: FloodScope): Promise<number>;
  /**
   * The chat's slot, and when that slot is free now, the bot-wide slot too, in one step (one Redis
   * round trip for the common case instead of two). Same slots as `reserve` "chat", then "bot".
   */
  reserveSend(target: FloodTarget): Promise<SendReservation>;
  /** After a 429: no slot for that chat (or the whole bot, without a chat) earlier than `ms` from now. */
  penalize(target: FloodTarget, ms: number): Promise<void>;
}

/** A rate of `count` per `periodMs`, or undefined for 0 (no limit). */
export function rateOf(count: number, periodMs: number, burst: number): Rate | undefined {
  return count > 0 ? { intervalMs: periodMs / count, burst: Math.max(1, burst) } : undefined;
}

/** The limiter's key suffixes and rates of `scope` that apply to `target`. */
export function limitsFor(target: FloodTarget, limits: FloodLimits, scope: FloodScope): Array<{ suffix: string; rate: Rate }> {
  const out: Array<{ suffix: string; rate: Rate }> = [];
  if (scope === "bot") {
    if (limits.global !== undefined) out.push({ suffix: "g", rate: limits.global });
  } else if (target.chatId !== undefined) {
    if (limits.chat !== undefined) out.push({ suffix: `c:${target.chatId}`, rate: limits.chat });
    if (target.group && limits.group !== undefined) out.push({ suffix: `grp:${target.chatId}`, rate: limits.group });
  }
  return out;
}

/**
 * GCRA over several limits at once: each key holds a "theoretical arrival time" (TAT). A send
 * conforms to a limit at `allowAt = TAT - (burst - 1) * interval`; the slot is the latest of those
 * (and now), and every key's TAT moves past it, so one slot is taken under all limits atomically.
 */
export function gcraReserve(tats: ReadonlyArray<number | undefined>, rates: readonly Rate[], now: number): { at: number; tats: number[] } {
  let at = now;
  const current = rates.map((rate, i) => {
    const tat = Math.max(tats[i] ?? now, now);
    at = Math.max(at, tat - (rate.burst - 1) * rate.intervalMs);
    return tat;
  });
  return { at, tats: current.map((tat, i) => Math.max(tat, at) + (rates[i]?.intervalMs ?? 0)) };
}

/** The TAT that makes the next slot come no earlier than `until`. */
export function penaltyTat(tat: number | undefined, rate: Rate, until: number): number {
  return Math.max(tat ?? 0, until + (rate.burst - 1) * rate.intervalMs);
}
