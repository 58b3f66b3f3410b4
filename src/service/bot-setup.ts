/**
 * What every bot of a process gets before its own handlers mount, in one ordered list, so the
 * order is visible where it is decided: grammY API transformers (`bot.api.config.use`, the last
 * installed runs first, so the list reads from the innermost out), then middleware (`bot.use`, in
 * the order an update passes it). A part that is off is simply not given. Transformers a bot's
 * handlers install (on `ctx.api`, the only API they reach) run outside all of the engine's:
 * docs/plugins.md.
 */
import type { Bot } from "grammy";
import type { Logger } from "pino";
import type { BotContext } from "../bots/bot-context.ts";
import type { BotIdentity } from "../bots/load-bot.ts";
import { floodControlTransformer } from "../flood-control/flood-control-transformer.ts";
import type { FloodLimiter } from "../flood-control/flood-limiter.ts";
import type { WebhookBots } from "../gateway/webhook-bots.ts";
import type { BotSessions } from "../session/bot-sessions.ts";
import type { ServiceMetrics } from "../metrics/service-metrics.ts";
import { ApiPluginGuard } from "../telegram/api-plugin-guard.ts";
import { apiRetryTransformer } from "../telegram/api-retry.ts";
import { requestWatchTransformer } from "../telegram/request-watch.ts";
import type { TelegramSettings } from "../telegram/telegram-settings.ts";

export interface BotSetupParts {
  settings: Pick<TelegramSettings, "API_MAX_RETRIES" | "API_RETRY_BASE_MS" | "API_MAX_RETRY_WAIT_SECONDS">;
  logger: Logger;
  /** The bots' webhook paths, secrets and per-bot Telegram settings, checked while each bot loads. */
  webhooks?: WebhookBots;
  /** Outgoing flood control (off: undefined). */
  floodLimiter?: FloodLimiter;
  /** `ctx.session` (a process that runs no handler has none). */
  sessions?: BotSessions;
  /** Metrics of the Bot API requests and flood-control waits (off: undefined). */
  metrics?: Pick<ServiceMetrics, "telegramRequest" | "floodDelayed">;
}

export function botSetup(parts: BotSetupParts): (bot: Bot<BotContext>, identity: BotIdentity) => void {
  const { settings, logger } = parts;
  return (bot, identity) => {
    const log = logger.child({ bot: identity.name });
    parts.webhooks?.prepare(bot, identity);
    const { metrics } = parts;
    // 0. Next to the network: each request, retries included, counted by outcome.
    if (metrics !== undefined) bot.api.config.use(requestWatchTransformer((method, outcome, retryAfter) => metrics.telegramRequest(method, outcome, retryAfter)));
    // 1. Around it: repeats one call after a 429's retry_after, a 5xx or a network error.
    bot.api.config.use(
      apiRetryTransformer({ maxRetries: settings.API_MAX_RETRIES, baseDelayMs: settings.API_RETRY_BASE_MS, maxWaitSeconds: settings.API_MAX_RETRY_WAIT_SECONDS, logger: log }),
    );
    // 2. Around the retries: one flood-control slot per message, taken once, whatever its retries.
    if (parts.floodLimiter !== undefined) {
      const onDelay = metrics === undefined ? undefined : (waitedMs: number) => metrics.floodDelayed(identity.name, waitedMs);
      bot.api.config.use(floodControlTransformer({ limiter: parts.floodLimiter, botName: identity.name, logger: log, onDelay }));
    }
    // Middleware, before the bot's own handlers. 3. On each update's ctx.api, outside the engine's
    // transformers and inside the handlers' own: a call the retries gave up on is not repeated
    // by a handler's auto-retry; plugins that overlap with 1 and 2 are named in the log.
    bot.use(new ApiPluginGuard(log).middleware());
    // 4. The chat's session.
    if (parts.sessions !== undefined) bot.use(parts.sessions.middlewareFor(identity.name));
  };
}
