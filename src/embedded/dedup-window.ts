/**
 * Remembers which (bot, update_id) pairs were accepted, for a window, so a redelivered update is
 * answered 200 and handled once. A claim whose processing finally failed is released, so the
 * sender's redelivery of a failed update is handled again rather than taken for a duplicate.
 * Memory is bounded: entries expire after the window, and past `maxEntries` the oldest go first.
 */
/** The key of one (bot, update_id) claim, in memory. */
export function claimKey(botName: string, updateId: number): string {
  return `${botName}\u0000${updateId}`;
}

export class DedupWindow {
  /** Insertion order is claim order, so the oldest entries are at the front. */
  private readonly expiresAt = new Map<string, number>();
  /** No entry expires before this (the front entry's expiry when last looked at), so most claims skip eviction. */
  private earliestExpiry = Number.POSITIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.expiresAt.size;
  }

  /** True when this is the first delivery in the window (the caller must process it). */
  claim(botName: string, updateId: number): boolean {
    if (this.windowMs <= 0) return true;
    const now = this.now();
    const key = claimKey(botName, updateId);
    const expiry = this.expiresAt.get(key);
    if (expiry !== undefined && expiry > now) return false;
    this.expiresAt.delete(key);
    if (now >= this.earliestExpiry || this.expiresAt.size >= this.maxEntries) this.evict(now);
    this.expiresAt.set(key, now + this.windowMs);
    if (this.earliestExpiry === Number.POSITIVE_INFINITY) this.earliestExpiry = now + this.windowMs;
    return true;
  }

  /** Forgets a claim, so the next delivery of this update is processed. */
  release(botName: string, updateId: number): void {
    this.expiresAt.delete(claimKey(botName, updateId));
  }

  private evict(now: number): void {
    // Front entries are the oldest; a handful per claim keeps this O(1) amortised.
    this.earliestExpiry = Number.POSITIVE_INFINITY;
    for (const [key, expiry] of this.expiresAt) {
      if (expiry > now && this.expiresAt.size < this.maxEntries) {
        this.earliestExpiry = expiry;
        break;
      }
      this.expiresAt.delete(key);
    }
  }
}
