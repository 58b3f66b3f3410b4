/** Discovers and loads the bots of a process the same way in each (API process, queue worker): each with the process's bot setup, and notes what each folder held for live reload. Does not call getMe. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { loadBots, type BotRegistry } from "../bots/bot-registry.ts";
import { GrammyLookup, grammyMismatches } from "../bots/grammy-version.ts";
import type { BotsSettings } from "../bots/bots-settings.ts";
import { discoverBots } from "../bots/discover-bots.ts";
import type { BotBuildOptions } from "../bots/load-bot.ts";
import type { FolderLoadOptions } from "../bots/load-bot-folder.ts";
import { fingerprintBotsDir } from "../fleet/folder-fingerprint.ts";
import type { SecretScrubber } from "../logging/secret-scrubber.ts";
import type { TelegramSettings } from "../telegram/telegram-settings.ts";

export interface LoadServiceBotsOptions {
  settings: Pick<BotsSettings, "BOTS_DIR" | "BOTS_LOAD_CONCURRENCY"> & Pick<TelegramSettings, "TELEGRAM_API_ROOT" | "API_TIMEOUT_SECONDS">;
  logger: Logger;
  scrubber: SecretScrubber;
  prepare: BotBuildOptions["prepare"];
}

/** What each load of a folder gets in this process: the first one, and every live reload. */
export function serviceLoadOptions(options: LoadServiceBotsOptions): FolderLoadOptions {
  return {
    apiRoot: options.settings.TELEGRAM_API_ROOT,
    apiTimeoutSeconds: options.settings.API_TIMEOUT_SECONDS,
    onSecret: (secret) => options.scrubber.add(secret),
    prepare: options.prepare,
  };
}

export interface ServiceBots {
  registry: BotRegistry;
  /** What each folder of BOTS_DIR held before the load read it, for live reload (fingerprintBotsDir). */
  startPrints: Map<string, string | undefined>;
}

export async function loadServiceBots(options: LoadServiceBotsOptions): Promise<ServiceBots> {
  const { settings } = options;
  // Before the load reads them, so an edit made while the process starts is loaded once it has.
  const startPrints = fingerprintBotsDir(settings.BOTS_DIR);
  const folders = await discoverBots(settings.BOTS_DIR);
  if (folders.length === 0) {
    options.logger.warn({ botsDir: settings.BOTS_DIR, code: "NO_BOTS" }, "BOTS_DIR holds no bot folder (a folder with config.ts or .env): the service runs, but has no bot to serve");
  }
  const registry = await loadBots(folders, { ...serviceLoadOptions(options), logger: options.logger, concurrency: settings.BOTS_LOAD_CONCURRENCY });
  warnOfOtherGrammyMajors(registry, options.logger);
  return { registry, startPrints };
}

/** Bots get the service's grammY whatever their folder installed: say so when a folder installed another major. */
function warnOfOtherGrammyMajors(registry: BotRegistry, logger: Logger): void {
  const lookup = new GrammyLookup();
  const service = lookup.find(path.dirname(fileURLToPath(import.meta.url)));
  if (service === undefined) return;
  for (const mismatch of grammyMismatches(registry.bots().map((b) => b.folder), service, lookup)) {
    logger.warn(
      { code: "GRAMMY_VERSION_MISMATCH", folderGrammy: mismatch.folderGrammy.version, folderGrammyDir: mismatch.folderGrammy.dir, serviceGrammy: service.version, folders: mismatch.folders },
      `these bot folders installed grammy ${mismatch.folderGrammy.version}, but every bot runs on the service's grammy ${service.version} (one grammY per process): code written for another major may fail`,
    );
  }
}
