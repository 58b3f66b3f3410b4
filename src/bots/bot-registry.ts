/**
 * The fleet of a process: every bot folder it knows, with the version of its bot that serves (by
 * BOT_NAME), and the state a user sees (fleet-state.ts). It changes while the process runs: the
 * first load fills it in folder order, live reload (fleet/) swaps a folder's version, records a
 * newer version's failure while the older one keeps serving, and removes folders. A removed or
 * renamed bot stays runnable (`runnable`) while its accepted updates finish, but takes no new
 * ones (`find` no longer knows the name). Listeners hear each change of who serves a name.
 */
import pLimit from "p-limit";
import type { Logger } from "pino";
import type { BotFolder } from "./discover-bots.ts";
import { FailedBot } from "./failed-bot.ts";
import { FolderEntry, type FleetState, type FolderView } from "./folder-entry.ts";
import { loadBotFolder, type FolderLoadOptions, type FolderLoadOutcome } from "./load-bot-folder.ts";
import { LoadedBot, type BotFailure } from "./loaded-bot.ts";

export type { FleetState, FolderView } from "./folder-entry.ts";

/** A change of who serves a BOT_NAME. */
export type FleetChange =
  | { kind: "serving"; bot: LoadedBot; previous: LoadedBot | undefined }
  | { kind: "removed"; bot: LoadedBot };

export type PlaceOutcome = { placed: true; previous: LoadedBot | undefined; renamed: LoadedBot | undefined } | { placed: false; failure: BotFailure };

export class BotRegistry {
  private readonly entries = new Map<string, FolderEntry>();
  private readonly byName = new Map<string, LoadedBot>();
  /** Removed or renamed bots whose accepted updates are still finishing. */
  private readonly draining = new Map<string, LoadedBot>();
  private readonly listeners = new Set<(change: FleetChange) => void>();
  /** Worked out again after a change: read on every update (find) and every scrape (bots). */
  private servingList: LoadedBot[] | undefined;
  private unloadedByName: Map<string, FailedBot> | undefined;

  constructor(private readonly logger: Logger) {}

  /** The bot serving `name` now. */
  get(name: string): LoadedBot | undefined {
    return this.byName.get(name);
  }

  /** The bot a caller names: serving, or a folder of that name that did not load (its updates get 503). */
  find(name: string): LoadedBot | FailedBot | undefined {
    const serving = this.byName.get(name);
    if (serving !== undefined) return serving;
    if (this.unloadedByName === undefined) {
      // The first folder (in folder order) with the name answers for it.
      this.unloadedByName = new Map();
      for (const entry of this.entries.values()) {
        const unloaded = entry.serving === undefined && !entry.removed ? entry.unloaded : undefined;
        if (unloaded !== undefined && !this.unloadedByName.has(unloaded.name)) this.unloadedByName.set(unloaded.name, unloaded);
      }
    }
    return this.unloadedByName.get(name);
  }

  /** The bot that runs an accepted update of `name`: the serving one, or one that is draining. */
  runnable(name: string): LoadedBot | undefined {
    return this.byName.get(name) ?? this.draining.get(name);
  }

  /** The serving bots, in folder order of their first load. */
  bots(): LoadedBot[] {
    this.servingList ??= [...this.entries.values()].flatMap((entry) => (entry.serving === undefined ? [] : [entry.serving]));
    return this.servingList;
  }

  /** The version serving for `folder`, if any. */
  servingOf(folder: string): LoadedBot | undefined {
    return this.entries.get(folder)?.serving;
  }

  entry(folder: string): FolderEntry | undefined {
    return this.entries.get(folder);
  }

  folderNames(): string[] {
    return [...this.entries.keys()];
  }

  /** Every folder with its state, in folder order. */
  folders(): FolderView[] {
    return [...this.entries.values()].map((entry) => entry.view(this.draining));
  }

  /** Folders that did not load (or whose newest version did not: see `folders()`), and bots whose token Telegram rejected. */
  failures(): BotFailure[] {
    return [...this.entries.values()].flatMap((entry) => {
      const failure = entry.removed ? undefined : entry.currentFailure();
      return failure === undefined ? [] : [failure];
    });
  }

  /** How many folders are in each state. */
  states(): Record<FleetState, number> {
    const counts: Record<FleetState, number> = { loading: 0, starting: 0, ready: 0, "ready-newer-failed": 0, failed: 0, draining: 0, removed: 0 };
    for (const entry of this.entries.values()) counts[entry.state(this.draining)]++;
    return counts;
  }

  counts(): { loaded: number; ready: number; starting: number; failed: number; loading: number; draining: number } {
    const s = this.states();
    const ready = s.ready + s["ready-newer-failed"];
    return { loaded: ready + s.starting, ready, starting: s.starting, failed: s.failed + s["ready-newer-failed"], loading: s.loading, draining: s.draining };
  }

  /** Hears every change of who serves a name; returns the unsubscribe. */
  onChange(listener: (change: FleetChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A folder seen for the first time (or back after removal) is loading until its first version is placed or fails. Says whether it was new. */
  markLoading(folder: string): boolean {
    const entry = this.entries.get(folder);
    if (entry === undefined) {
      this.entries.set(folder, new FolderEntry(folder));
      this.invalidate();
      return true;
    }
    if (entry.removed) this.logChange(folder, entry, () => entry.reopen());
    return false;
  }

  /**
   * Makes `bot` the version serving for `folder`. Refused when another folder serves its name (the
   * folder serving first keeps it). The version it replaces is returned to be retired; a version
   * under another name (BOT_NAME changed) drains.
   */
  place(folder: string, bot: LoadedBot): PlaceOutcome {
    const owner = this.byName.get(bot.name);
    if (owner !== undefined && owner.folder.folderName !== folder) {
      const failure: BotFailure = {
        folder,
        name: bot.name,
        code: "DUPLICATE_BOT_NAME",
        file: bot.folder.configFile === undefined ? ".env" : bot.folder.configFile.split(/[\\/]/).pop(),
        reason: `BOT_NAME "${bot.name}" is already used by folder "${owner.folder.folderName}"`,
      };
      this.fail(folder, failure, undefined);
      return { placed: false, failure };
    }
    const created = this.markLoading(folder);
    const entry = this.entries.get(folder) as FolderEntry;
    const previous = entry.serving;
    let renamed: LoadedBot | undefined;
    this.logChange(folder, created ? undefined : entry, () => entry.serve(bot));
    this.invalidate();
    if (previous !== undefined && previous.name !== bot.name) {
      renamed = previous;
      this.byName.delete(previous.name);
      this.draining.set(previous.name, previous);
      this.emit({ kind: "removed", bot: previous });
    }
    this.draining.delete(bot.name);
    this.byName.set(bot.name, bot);
    this.emit({ kind: "serving", bot, previous: renamed === undefined ? previous : undefined });
    return { placed: true, previous: renamed === undefined ? previous : undefined, renamed };
  }

  /** The folder's newest version failed to load: an older version keeps serving, if there is one. */
  fail(folder: string, failure: BotFailure, unloaded: FailedBot | undefined): void {
    const created = this.markLoading(folder);
    const entry = this.entries.get(folder) as FolderEntry;
    this.logChange(folder, created ? undefined : entry, () => entry.fail(failure, unloaded));
    this.invalidate();
  }

  /** The folder is gone: its name takes no new updates; the serving version drains. */
  remove(folder: string): LoadedBot | undefined {
    const entry = this.entries.get(folder);
    if (entry === undefined || entry.removed) return undefined;
    const serving = entry.serving;
    if (serving !== undefined) {
      this.byName.delete(serving.name);
      this.draining.set(serving.name, serving);
    }
    this.logChange(folder, entry, () => entry.remove());
    this.invalidate();
    if (serving !== undefined) this.emit({ kind: "removed", bot: serving });
    return serving;
  }

  /** A draining version has finished (or its time is up): it runs no more updates. */
  released(bot: LoadedBot): void {
    if (this.draining.get(bot.name) !== bot) return;
    const entry = this.entries.get(bot.folder.folderName);
    if (entry === undefined) {
      this.draining.delete(bot.name);
      return;
    }
    this.logChange(bot.folder.folderName, entry, () => this.draining.delete(bot.name));
  }

  /** Folders refused because `name` was taken: worth loading again once it is free. */
  waitingFor(name: string): string[] {
    return [...this.entries.values()].filter((e) => !e.removed && e.serving === undefined && e.failure?.code === "DUPLICATE_BOT_NAME" && e.failure.name === name).map((e) => e.folder);
  }

  /** Runs `change` and logs "bot state changed" when the folder's visible state moved. */
  private logChange(folder: string, entry: FolderEntry | undefined, change: () => unknown): void {
    const from = entry?.state(this.draining);
    change();
    const current = this.entries.get(folder) as FolderEntry;
    const state = current.state(this.draining);
    if (from === state) return;
    current.touch();
    // A folder's first appearance is logged by its loader ("bot loaded", "bot not loaded").
    if (from === undefined) return;
    // The serving version's own moves (starting -> ready, token rejected) are logged by its BotState.
    const view = current.view(this.draining);
    const line = { bot: view.name, folder, from: from ?? "absent", state, version: view.version };
    if (state === "failed" || state === "ready-newer-failed") {
      this.logger.error({ ...line, code: view.failure?.code, file: view.failure?.file, reason: view.failure?.reason }, "bot state changed");
    } else {
      this.logger.info(line, "bot state changed");
    }
  }

  private invalidate(): void {
    this.servingList = undefined;
    this.unloadedByName = undefined;
  }

  private emit(change: FleetChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error, bot: change.bot.name }, "a fleet change listener failed");
      }
    }
  }
}

export interface LoadBotsOptions extends FolderLoadOptions {
  logger: Logger;
  /** Bot folders imported at once. @defaultValue 16 */
  concurrency?: number;
}

/** Logs what one load of a folder gave: "bot loaded", or "bot not loaded" with the code, file and reason (and `olderVersionServing` when one still serves). */
export function logLoadOutcome(logger: Logger, outcome: FolderLoadOutcome | { failure: BotFailure }, olderVersionServing = false): void {
  if (outcome instanceof LoadedBot) {
    logger.info(
      {
        bot: outcome.name,
        folder: outcome.folder.folderName,
        ...(outcome.version === 0 ? {} : { version: outcome.version }),
        handlers: outcome.handlers.map((h) => h.file.name),
        fallbacks: outcome.handlers.filter((h) => h.file.fallback).map((h) => h.file.name),
        echo: outcome.echo,
      },
      "bot loaded",
    );
    return;
  }
  const { failure } = outcome;
  logger.error(
    { folder: failure.folder, bot: failure.name, file: failure.file, code: failure.code, reason: failure.reason, ...(olderVersionServing ? { olderVersionServing } : {}) },
    "bot not loaded",
  );
}

/** Places one load's outcome in the registry (a failure, or a version whose name may be taken); says whether it serves. */
export function placeOutcome(registry: BotRegistry, folder: BotFolder, outcome: FolderLoadOutcome, logger: Logger): PlaceOutcome {
  if (!(outcome instanceof LoadedBot)) {
    const { failure, key } = outcome;
    logLoadOutcome(logger, outcome, registry.servingOf(folder.folderName) !== undefined);
    registry.fail(folder.folderName, failure, failure.name === undefined ? undefined : new FailedBot({ ...failure, name: failure.name }, key));
    return { placed: false, failure };
  }
  const placed = registry.place(folder.folderName, outcome);
  logLoadOutcome(logger, placed.placed ? outcome : { failure: placed.failure }, !placed.placed && registry.servingOf(folder.folderName) !== undefined);
  return placed;
}

/** Loads every folder (`concurrency` at a time; one folder's failure never stops another's) into a new registry, in folder order. */
export async function loadBots(folders: readonly BotFolder[], options: LoadBotsOptions): Promise<BotRegistry> {
  const limit = pLimit(options.concurrency ?? 16);
  const outcomes = await Promise.all(folders.map((folder) => limit(() => loadBotFolder(folder, options))));
  const registry = new BotRegistry(options.logger);
  // In folder order, so the first folder with a name keeps it.
  folders.forEach((folder, i) => placeOutcome(registry, folder, outcomes[i] as FolderLoadOutcome, options.logger));
  return registry;
}
