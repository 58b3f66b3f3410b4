/**
 * A Telegram-like flood limit on the messages sent to one chat of one token: past the limit within
 * any second, a message is answered 429. Only built when the stand-in is given a limit.
 */

export class FloodLimit {
  /** Arrival times of the messages taken in the last second, per token and chat. */
  private recentSends = new Map<string, number[]>();

  constructor(private readonly perChatPerSecond: number) {}

  /**
   * Counts a message that arrived at `receivedAt` (performance.now()), or returns false, without
   * counting it, when the chat already had the limit within the second before.
   */
  admit(token: string, chatId: number | string, receivedAt: number): boolean {
    const key = `${token}\u0000${String(chatId)}`;
    const recent = (this.recentSends.get(key) ?? []).filter((at) => at > receivedAt - 1000);
    if (recent.length >= this.perChatPerSecond) return false;
    recent.push(receivedAt);
    this.recentSends.set(key, recent);
    return true;
  }

  reset(): void {
    this.recentSends = new Map();
  }
}
