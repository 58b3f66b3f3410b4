/**
 * BOT_MODE=polling: one BotPoller per serving bot, started once the service listens and stopped as
 * soon as shutdown begins (before accepted updates drain), so nothing new is pulled from Telegram
 * while the service winds down. It follows the fleet: a bot added while the service runs gets a
 * poller, a removed one loses its poller, and a reload with a new token polls with the new one.
 * `npm start` and `npm run dev` both read BOT_MODE.
 */
import type { Logger } from "pino";
import type { Admission } from "../admission/admission.ts";
import type { BotRegistry, FleetChange } from "../bots/bot-registry.ts";
import type { LoadedBot } from "../bots/loaded-bot.ts";
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
  /** By bot name, with the token it polls with. */
  private readonly pollers = new Map<string, { poller: BotPoller; token: string }>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: PollingComponentOptions) {}

  async start(): Promise<void> {
    const { settings, logger } = this.options;
    for (const loaded of this.options.registry.bots()) this.startPolling(loaded);
    this.unsubscribe = this.options.registry.onChange((change) => this.follow(change));
    logger.info({ bots: this.pollers.size, timeoutSeconds: settings.POLLING_TIMEOUT_SECONDS }, "long polling started");
  }

  async stopTaking(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    const running = [...this.pollers.values()];
    this.pollers.clear();
    await Promise.all(running.map(({ poller }) => poller.stop()));
  }

  private follow(change: FleetChange): void {
    if (this.stopped) return;
    const current = this.pollers.get(change.bot.name);
    if (change.kind === "removed") {
      this.pollers.delete(change.bot.name);
      void current?.poller.stop();
      return;
    }
    if (current !== undefined && current.token === change.bot.token) return;
    this.pollers.delete(change.bot.name);
    // A new token: the old poller's getUpdates must end before the new one starts (Telegram allows one).
    void (current?.poller.stop() ?? Promise.resolve()).then(() => {
      if (!this.stopped && this.options.registry.get(change.bot.name) === change.bot) this.startPolling(change.bot);
    });
  }

  private startPolling(loaded: LoadedBot): void {
    const { settings, logger } = this.options;
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
    this.pollers.set(loaded.name, { poller, token: loaded.token });
    poller.start();
  }
}
