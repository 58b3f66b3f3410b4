/**
 * BOT_MODE=polling: one BotPoller per loaded bot, started once the service listens and stopped as
 * soon as shutdown begins (before accepted updates drain), so nothing new is pulled from Telegram
 * while the service winds down. `npm start` and `npm run dev` both read BOT_MODE.
 */
import type { Logger } from "pino";
import type { Admission } from "../admission/admission.ts";
import type { BotRegistry } from "../bots/bot-registry.ts";
import type { HostComponent } from "../host/host-component.ts";
import { BotPoller } from "./bot-poller.ts";
import type { PollingSettings } from "./polling-settings.ts";

export interface PollingComponentOptions {
  settings: PollingSettings;
  registry: BotRegistry;
  admission: Pick<Admission, "admit" | "closed">;
  logger: Logger;
  /** A bot's `allowed_updates` (its BOT_ALLOWED_UPDATES; `[]`: Telegram's default). */
  allowedUpdatesOf: (botName: string) => string[];
}

export class PollingComponent implements HostComponent {
  readonly name = "polling";
  private readonly pollers: BotPoller[] = [];

  constructor(private readonly options: PollingComponentOptions) {}

  async start(): Promise<void> {
    const { settings, logger } = this.options;
    for (const loaded of this.options.registry.bots()) {
      const poller = new BotPoller({
        botName: loaded.name,
        api: loaded.bot.api,
        admission: this.options.admission,
        logger: logger.child({ bot: loaded.name, via: "polling" }),
        timeoutSeconds: settings.POLLING_TIMEOUT_SECONDS,
        limit: settings.POLLING_LIMIT,
        allowedUpdates: this.options.allowedUpdatesOf(loaded.name),
        deleteWebhook: settings.POLLING_DELETE_WEBHOOK,
        maxBackoffMs: settings.POLLING_MAX_BACKOFF_MS,
      });
      this.pollers.push(poller);
      poller.start();
    }
    logger.info({ bots: this.pollers.length, timeoutSeconds: settings.POLLING_TIMEOUT_SECONDS }, "long polling started");
  }

  async stopTaking(): Promise<void> {
    await Promise.all(this.pollers.splice(0).map((poller) => poller.stop()));
  }
}
