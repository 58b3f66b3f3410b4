/**
 * The service's side of the webhook settings of its bots: while each bot loads (one step of the
 * bot setup), its webhook path, secret and per-bot settings (BOT_WEBHOOK_SECRET,
 * BOT_ALLOWED_UPDATES, BOT_WEBHOOK_MAX_CONNECTIONS) are worked out from its identity, so a bad
 * setting fails that bot's load with the setting named; the secret goes to the log scrubber at
 * once. The webhook routes and long polling read the result.
 */
import type { Bot } from "grammy";
import type { BotContext } from "../bots/bot-context.ts";
import type { BotIdentity } from "../bots/load-bot.ts";
import type { LoadedBot } from "../bots/loaded-bot.ts";
import type { GatewaySettings } from "./gateway-settings.ts";
import { webhookBotOf, type WebhookBot } from "./webhook-bot.ts";

export class WebhookBots {
  // Keyed by the grammY Bot: a folder that loads but loses its BOT_NAME to another is not routed.
  private readonly prepared = new WeakMap<Bot<BotContext>, WebhookBot>();

  constructor(
    private readonly settings: Pick<GatewaySettings, "WEBHOOK_PATH_STYLE" | "WEBHOOK_MAX_CONNECTIONS">,
    private readonly onSecret: (secret: string) => void,
  ) {}

  /** Bot setup step: throws BotSettingError when one of the bot's webhook settings cannot be used. */
  prepare(bot: Bot<BotContext>, identity: BotIdentity): void {
    const webhookBot = webhookBotOf(identity, { pathStyle: this.settings.WEBHOOK_PATH_STYLE, maxConnections: this.settings.WEBHOOK_MAX_CONNECTIONS });
    this.onSecret(webhookBot.secret);
    this.prepared.set(bot, webhookBot);
  }

  of(loaded: LoadedBot): WebhookBot | undefined {
    return this.prepared.get(loaded.bot);
  }

  /** The webhook side of each of `bots` that was prepared. */
  all(bots: readonly LoadedBot[]): WebhookBot[] {
    return bots.flatMap((loaded) => {
      const webhookBot = this.of(loaded);
      return webhookBot === undefined ? [] : [webhookBot];
    });
  }
}
