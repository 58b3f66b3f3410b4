/** The flood limiter of one process (embedded default): GCRA state in a Map, swept as it expires. */
import { gcraReserve, limitsFor, penaltyTat, type FloodLimiter, type FloodLimits, type FloodScope, type FloodTarget, type SendReservation } from "./flood-limiter.ts";

/** Expired entries are swept every this many reservations, so idle chats do not pile up. */
const SWEEP_EVERY = 1000;

export class MemoryFloodLimiter implements FloodLimiter {
  private readonly tats = new Map<string, number>();
  private sinceSweep = 0;

  constructor(
    private readonly limits: FloodLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async reserve(target: FloodTarget, scope: FloodScope): Promise<number> {
    const applying = limitsFor(target, this.limits, scope);
    if (applying.length === 0) return 0;
    const now = this.now();
    this.sweep(now);
    const keys = applying.map(({ suffix }) => `${target.bot}\u0000${suffix}`);
    const { at, tats } = gcraReserve(
      keys.map((key) => this.tats.get(key)),
      applying.map(({ rate }) => rate),
      now,
    );
    keys.forEach((key, i) => this.tats.set(key, tats[i] ?? now));
    return at - now;
  }

  async reserveSend(target: FloodTarget): Promise<SendReservation> {
    const chatWaitMs = await this.reserve(target, "chat");
    if (chatWaitMs > 0) return { waitMs: chatWaitMs, botReserved: false };
    return { waitMs: await this.reserve(target, "bot"), botReserved: true };
  }

  async penalize(target: FloodTarget, ms: number): Promise<void> {
    // A 429 for a chat holds that chat; one without a chat holds the whole bot.
    const chosen = limitsFor(target, this.limits, target.chatId === undefined ? "bot" : "chat");
    const until = this.now() + ms;
    for (const { suffix, rate } of chosen) {
      const key = `${target.bot}\u0000${suffix}`;
      this.tats.set(key, penaltyTat(this.tats.get(key), rate, until));
    }
  }

  /** Entries in use (tests check the sweep). */
  get size(): number {
    return this.tats.size;
  }

  private sweep(now: number): void {
    if (++this.sinceSweep < SWEEP_EVERY) return;
    this.sinceSweep = 0;
    // A TAT in the past is the same as no entry at all.
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
  }
}
