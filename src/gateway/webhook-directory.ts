/**
 * The bots reachable by webhook, by the path Telegram calls (`/telegram/<path id>`), each with a
 * constant-time matcher of its secret. The service builds it from its serving bots and replaces
 * it whenever the fleet changes (live reload); the separate gateway builds it from the bot
 * folders' identities.
 */
import { secretMatcher, type WebhookBot } from "./webhook-bot.ts";

export interface WebhookRouteBot {
  name: string;
  matches: (presented: string) => boolean;
}

export class WebhookDirectory {
  private byPath = new Map<string, WebhookRouteBot>();

  constructor(bots: readonly WebhookBot[]) {
    this.replace(bots);
  }

  /** The bots reachable from now on. */
  replace(bots: readonly WebhookBot[]): void {
    const byPath = new Map<string, WebhookRouteBot>();
    for (const bot of bots) byPath.set(bot.pathId, { name: bot.name, matches: secretMatcher(bot.secret) });
    this.byPath = byPath;
  }

  find(pathId: string): WebhookRouteBot | undefined {
    return this.byPath.get(pathId);
  }
}
