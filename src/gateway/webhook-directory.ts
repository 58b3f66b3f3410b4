/**
 * The bots reachable by webhook, by the path Telegram calls (`/telegram/<path id>`), each with a
 * constant-time matcher of its secret. The service builds it from its loaded bots, the separate
 * gateway from the bot folders' identities.
 */
import { secretMatcher, type WebhookBot } from "./webhook-bot.ts";

export interface WebhookRouteBot {
  name: string;
  matches: (presented: string) => boolean;
}

export class WebhookDirectory {
  private readonly byPath = new Map<string, WebhookRouteBot>();

  constructor(readonly bots: readonly WebhookBot[]) {
    for (const bot of bots) this.byPath.set(bot.pathId, { name: bot.name, matches: secretMatcher(bot.secret) });
  }

  find(pathId: string): WebhookRouteBot | undefined {
    return this.byPath.get(pathId);
  }
}
