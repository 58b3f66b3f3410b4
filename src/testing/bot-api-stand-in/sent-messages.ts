/**
 * The texts bots sent with sendMessage, per token and chat: what most tests of a bot assert on.
 */

export interface SentMessage {
  token: string;
  chatId: number | string;
  text: string;
  seq: number;
  receivedAt: number;
}

export class SentMessages {
  private sent: SentMessage[] = [];

  add(message: SentMessage): void {
    this.sent.push(message);
  }

  /** Copies in arrival order (`seq`); `chatId` matches whether given as number or string. */
  list(filter: { token?: string; chatId?: number | string } = {}): SentMessage[] {
    return this.sent
      .filter((m) => filter.token === undefined || m.token === filter.token)
      .filter((m) => filter.chatId === undefined || String(m.chatId) === String(filter.chatId))
      .sort((a, b) => a.seq - b.seq)
      .map((m) => ({ ...m }));
  }

  reset(): void {
    this.sent = [];
  }
}
