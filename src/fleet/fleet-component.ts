/**
 * Live reload as a host component: once the process has started, it watches BOTS_DIR (unless
 * BOTS_WATCH=false), rescans on SIGHUP and, in queue mode, on a reload request through Redis;
 * each goes to the one FleetReloader. At shutdown it stops all three before accepted updates
 * drain, so no bot is swapped while the process winds down.
 */
import type { Logger } from "pino";
import type { HostComponent } from "../host/host-component.ts";
import { BotsWatcher } from "./bots-watcher.ts";
import type { FleetReloader } from "./fleet-reloader.ts";
import type { FleetSettings } from "./fleet-settings.ts";
import type { ReloadListener } from "./reload-channel.ts";

export interface FleetComponentOptions {
  settings: { BOTS_DIR: string } & Pick<FleetSettings, "BOTS_WATCH" | "BOTS_WATCH_DEBOUNCE_MS">;
  reloader: FleetReloader;
  logger: Logger;
  /** Queue mode: reload requests through Redis. */
  listener?: ReloadListener;
}

export class FleetComponent implements HostComponent {
  readonly name = "fleet";
  private watcher: BotsWatcher | undefined;
  private readonly onHangup = (): void => {
    this.options.logger.info("SIGHUP: rescanning BOTS_DIR");
    this.options.reloader.rescan().then(
      (report) => this.options.logger.info({ reloaded: report.reloaded, removed: report.removed, unchanged: report.unchanged }, "BOTS_DIR rescanned"),
      (error: unknown) => this.options.logger.error({ err: error }, "BOTS_DIR rescan failed"),
    );
  };

  constructor(private readonly options: FleetComponentOptions) {}

  async start(): Promise<void> {
    const { settings, reloader, logger } = this.options;
    process.on("SIGHUP", this.onHangup);
    if (settings.BOTS_WATCH) {
      this.watcher = new BotsWatcher({
        botsDir: settings.BOTS_DIR,
        debounceMs: settings.BOTS_WATCH_DEBOUNCE_MS,
        logger,
        onFolder: (folder) => void reloader.reloadFolder(folder),
        onShared: () => void reloader.sharedChanged(),
      });
      await this.watcher.start();
      logger.info({ botsDir: settings.BOTS_DIR, debounceMs: settings.BOTS_WATCH_DEBOUNCE_MS }, "watching BOTS_DIR: bot folders added, changed or removed are loaded while the service runs");
      // What changed while the process started, before the watcher saw anything: in the background.
      reloader.catchUp().then(
        (report) => {
          if (report.reloaded.length > 0 || report.removed.length > 0) logger.info({ reloaded: report.reloaded, removed: report.removed }, "BOTS_DIR changed while the service started: loaded what changed");
        },
        (error: unknown) => logger.error({ err: error }, "BOTS_DIR catch-up after the start failed"),
      );
    }
    await this.options.listener?.start();
  }

  async stopTaking(): Promise<void> {
    process.off("SIGHUP", this.onHangup);
    await this.watcher?.close();
    await this.options.listener?.close();
    await this.options.reloader.close();
  }
}
