/**
 * The loaded bots, by BOT_NAME, and the folders that failed to load with their reasons. Loading
 * runs every folder (with bounded concurrency); one folder's failure never stops another's.
 * Starting (getMe, start-bots.ts) is separate and runs in the background, so the HTTP API can
 * listen at once.
 */
import pLimit from "p-limit";
import type { Logger } from "pino";
import { BotLoadError } from "../errors/bot-load-error.ts";
import type { BotFolder } from "./discover-bots.ts";
import { buildBot, readBotIdentity, type BotBuildOptions } from "./load-bot.ts";
import { FailedBot } from "./failed-bot.ts";
import { InternalKey } from "./internal-key.ts";
import { LoadedBot, type BotFailure } from "./loaded-bot.ts";

export interface LoadBotsOptions extends BotBuildOptions {
  logger: Logger;
  /** Called with every secret as soon as it is read, before anything could log it. */
  onSecret: (secret: string) => void;
  /** Bot folders imported at once. @defaultValue 16 */
  concurrency?: number;
}

export class BotRegistry {
  private readonly byName = new Map<string, LoadedBot>();
  private readonly failed: BotFailure[] = [];
  /** Folders that did not load, by the BOT_NAME they would have had (a loaded bot of that name wins). */
  private readonly unloadedByName = new Map<string, FailedBot>();

  constructor(bots: readonly LoadedBot[], failures: readonly BotFailure[], unloaded: readonly FailedBot[] = []) {
    for (const bot of bots) this.byName.set(bot.name, bot);
    this.failed.push(...failures);
    for (const bot of unloaded) if (!this.byName.has(bot.name) && !this.unloadedByName.has(bot.name)) this.unloadedByName.set(bot.name, bot);
  }

  get(name: string): LoadedBot | undefined {
    return this.byName.get(name);
  }

  /** The bot a caller names: loaded, or a folder of that name that did not load (its updates get 503). */
  find(name: string): LoadedBot | FailedBot | undefined {
    return this.byName.get(name) ?? this.unloadedByName.get(name);
  }

  bots(): LoadedBot[] {
    return [...this.byName.values()];
  }

  /** Folders that did not load, and bots whose token Telegram rejected. */
  failures(): BotFailure[] {
    const started = this.bots().flatMap((b) => (b.failure === undefined ? [] : [b.failure]));
    return [...this.failed, ...started];
  }

  /** How many bots are in each state (a folder that did not load counts as failed). */
  states(): Record<"starting" | "ready" | "failed", number> {
    const { ready, starting, failed } = this.counts();
    return { starting, ready, failed };
  }

  counts(): { loaded: number; ready: number; starting: number; failed: number } {
    let ready = 0;
    let starting = 0;
    let tokenRejected = 0;
    for (const bot of this.byName.values()) {
      if (bot.status === "ready") ready++;
      else if (bot.status === "starting") starting++;
      else tokenRejected++;
    }
    return { loaded: this.byName.size - tokenRejected, ready, starting, failed: this.failed.length + tokenRejected };
  }
}

function failureOf(folder: BotFolder, error: unknown, name?: string): BotFailure {
  if (error instanceof BotLoadError) {
    return { folder: folder.folderName, name, code: error.code, file: error.file, reason: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { folder: folder.folderName, name, code: "CONFIG_IMPORT_FAILED", file: undefined, reason: message };
}

/** Loads every folder; returns the registry. Logs each bot loaded and each failure. */
export async function loadBots(folders: readonly BotFolder[], options: LoadBotsOptions): Promise<BotRegistry> {
  const limit = pLimit(options.concurrency ?? 16);
  const outcomes = await Promise.all(
    folders.map((folder) =>
      limit(async (): Promise<LoadedBot | { failure: BotFailure; key?: InternalKey }> => {
        let name: string | undefined;
        let key: InternalKey | undefined;
        try {
          const identity = await readBotIdentity(folder, options.onSecret);
          options.onSecret(identity.token);
          options.onSecret(identity.internalKey);
          if (typeof identity.settings.BOT_WEBHOOK_SECRET === "string") options.onSecret(identity.settings.BOT_WEBHOOK_SECRET);
          name = identity.name;
          key = new InternalKey(identity.internalKey);
          const built = await buildBot(folder, identity, options);
          return new LoadedBot({ folder, bot: built.bot, handlers: built.handlers, echo: built.echo, identity });
        } catch (error) {
          return { failure: failureOf(folder, error, name), key };
        }
      }),
    ),
  );

  const loaded: LoadedBot[] = [];
  const failures: BotFailure[] = [];
  const unloaded: FailedBot[] = [];
  const folderOfName = new Map<string, string>();
  // Outcomes are in folder order, so the first folder with a name keeps it.
  for (const outcome of outcomes) {
    if (!(outcome instanceof LoadedBot)) {
      const { failure } = outcome;
      failures.push(failure);
      if (failure.name !== undefined) unloaded.push(new FailedBot({ ...failure, name: failure.name }, outcome.key));
      options.logger.error({ folder: failure.folder, bot: failure.name, file: failure.file, code: failure.code, reason: failure.reason }, "bot not loaded");
      continue;
    }
    const owner = folderOfName.get(outcome.name);
    if (owner !== undefined) {
      const failure: BotFailure = {
        folder: outcome.folder.folderName,
        name: outcome.name,
        code: "DUPLICATE_BOT_NAME",
        file: outcome.folder.configFile === undefined ? ".env" : outcome.folder.configFile.split(/[\\/]/).pop(),
        reason: `BOT_NAME "${outcome.name}" is already used by folder "${owner}"`,
      };
      failures.push(failure);
      options.logger.error({ ...failure, bot: failure.name }, "bot not loaded");
      continue;
    }
    folderOfName.set(outcome.name, outcome.folder.folderName);
    loaded.push(outcome);
    options.logger.info(
      {
        bot: outcome.name,
        folder: outcome.folder.folderName,
        handlers: outcome.handlers.map((h) => h.file.name),
        fallbacks: outcome.handlers.filter((h) => h.file.fallback).map((h) => h.file.name),
        echo: outcome.echo,
      },
      "bot loaded",
    );
  }
  return new BotRegistry(loaded, failures, unloaded);
}

