/**
 * BOT_MODE=polling: one BotPoller per loaded bot, started once the service listens and stopped as
 * soon as shutdown begins (before accepted updates drain), so nothing new is pulled from Telegram
 * while the service winds down. `npm start` and `npm run dev` both read BOT_MODE.
 */
import type { Bot } from "grammy";
import type { BotContext } from "../bots/bot-context.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import { ConfigError } from "../errors/config-error.ts";
import { parseAllowedUpdates } from "../gateway/webhook-bot.ts";
import type { ServicePlugin } from "../service/service-plugin.ts";
import { BotPoller } from "./bot-poller.ts";

export interface PollingPluginOptions {
  config: ServiceConfig;
}

export function createPollingPlugin(options: PollingPluginOptions): ServicePlugin {
  const { config } = options;
  const enabled = config.BOT_MODE === "polling";
  if (enabled && config.POLLING_TIMEOUT_SECONDS >= config.API_TIMEOUT_SECONDS) {
    throw new ConfigError(
      `POLLING_TIMEOUT_SECONDS=${config.POLLING_TIMEOUT_SECONDS} must be below API_TIMEOUT_SECONDS=${config.API_TIMEOUT_SECONDS}, or every long poll times out`,
    );
  }
  const allowedUpdates = new WeakMap<Bot<BotContext>, string[]>();
  const pollers: BotPoller[] = [];
  return {
    name: "polling",
    prepareBot(bot, identity) {
      if (enabled) allowedUpdates.set(bot, parseAllowedUpdates(identity.settings.BOT_ALLOWED_UPDATES));
    },
    async start(context) {
      if (!enabled) return;
      for (const loaded of context.registry.bots()) {
        const poller = new BotPoller({
          botName: loaded.name,
          api: loaded.bot.api,
          intake: context.intake,
          logger: context.logger.child({ bot: loaded.name, via: "polling" }),
          timeoutSeconds: config.POLLING_TIMEOUT_SECONDS,
          limit: config.POLLING_LIMIT,
          allowedUpdates: allowedUpdates.get(loaded.bot) ?? [],
          deleteWebhook: config.POLLING_DELETE_WEBHOOK,
          maxBackoffMs: config.POLLING_MAX_BACKOFF_MS,
        });
        pollers.push(poller);
        poller.start();
      }
      context.logger.info({ bots: pollers.length, timeoutSeconds: config.POLLING_TIMEOUT_SECONDS }, "long polling started");
    },
    async beginShutdown() {
      await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
    },
  };
}
