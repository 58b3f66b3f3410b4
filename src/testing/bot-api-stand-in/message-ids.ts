/**
 * Message ids for the Messages the stand-in answers with. They count per chat, as in Telegram,
 * and per token too, so two bots writing to the same chat never share a counter.
 */

export class MessageIds {
  private lastIds = new Map<string, number>();

  next(token: string, chatId: number | string): number {
    const key = `${token}\u0000${String(chatId)}`;
    const id = (this.lastIds.get(key) ?? 0) + 1;
    this.lastIds.set(key, id);
    return id;
  }

  reset(): void {
    this.lastIds = new Map();
  }
}
