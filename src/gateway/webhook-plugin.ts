/**
 * Webhook ingress inside the service (BOT_MODE=webhook): each bot's path and secret are worked out
 * while it loads (its identity carries the internal key and settings), the secret is handed to
 * the log scrubber at once, and `/telegram/<bot path>` feeds the service's own intake.
 */
import type { Bot } from "grammy";
import type { BotContext } from "../bots/bot-context.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import type { ServicePlugin } from "../service/service-plugin.ts";
import { createSourceGuard } from "./source-guard.ts";
import { webhookBotOf, type WebhookBot } from "./webhook-bot.ts";
import { registerWebhookRoute } from "./webhook-route.ts";

export interface WebhookPluginOptions {
  config: ServiceConfig;
  /** Registers a secret with the log scrubber (the service's SecretScrubber.add). */
  onSecret: (secret: string) => void;
}

export function createWebhookPlugin(options: WebhookPluginOptions): ServicePlugin {
  const { config } = options;
  const enabled = config.BOT_MODE === "webhook";
  // Keyed by the grammY Bot: a folder that loads but loses its BOT_NAME to another is not routed.
  const prepared = new WeakMap<Bot<BotContext>, WebhookBot>();
  return {
    name: "webhook",
    prepareBot(bot, identity) {
      if (!enabled) return;
      const webhookBot = webhookBotOf(identity, { pathStyle: config.WEBHOOK_PATH_STYLE, maxConnections: config.WEBHOOK_MAX_CONNECTIONS });
      options.onSecret(webhookBot.secret);
      prepared.set(bot, webhookBot);
    },
    registerRoutes(app, context) {
      if (!enabled) return;
      const bots = context.registry.bots().flatMap((loaded) => {
        const webhookBot = prepared.get(loaded.bot);
        return webhookBot === undefined ? [] : [webhookBot];
      });
      registerWebhookRoute(app, {
        bots,
        intake: context.intake,
        guard: createSourceGuard({ enabled: config.WEBHOOK_IP_ALLOWLIST, allowedNetworks: config.WEBHOOK_ALLOWED_NETWORKS, trustedProxies: config.TRUSTED_PROXIES }),
        retryAfterSeconds: config.RETRY_AFTER_SECONDS,
        unavailable: (name) => {
          const loaded = context.registry.get(name);
          return loaded?.status === "failed" ? (loaded.failure?.reason ?? "failed") : undefined;
        },
      });
      context.logger.info({ bots: bots.map((b) => ({ bot: b.name, path: `/telegram/${b.pathId}` })), allowList: config.WEBHOOK_IP_ALLOWLIST }, "webhook routes ready");
    },
  };
}
