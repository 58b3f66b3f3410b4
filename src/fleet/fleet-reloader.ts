/**
 * Live reload of bot folders, while the others keep serving. Reloads of one folder run one at a
 * time; a request during a reload makes one more run after it (coalesced, so 30 quick edits end
 * with the last one loaded). A reload loads the folder's new version completely beside the old
 * one and only then swaps it in (registry.place): a version that fails to load leaves the old one
 * serving (`ready-newer-failed`), a changed token is checked with getMe before the swap, and the
 * replaced version is retired once the updates it started have finished. A folder that is gone is
 * removed: its name takes no new updates, and its version drains (BOTS_DRAIN_SECONDS).
 */
import path from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import pLimit from "p-limit";
import type { Logger } from "pino";
import { placeOutcome, type BotRegistry } from "../bots/bot-registry.ts";
import { describeBotFolder, discoverBots } from "../bots/discover-bots.ts";
import { loadBotFolder, type FolderLoadOptions } from "../bots/load-bot-folder.ts";
import { LoadedBot } from "../bots/loaded-bot.ts";
import type { BotInfoCache } from "../bots/bot-info-cache.ts";
import { startBots } from "../bots/start-bots.ts";
import { sleep } from "../telegram/backoff.ts";
import type { FleetSettings } from "./fleet-settings.ts";
import { fingerprintFolder } from "./folder-fingerprint.ts";
import { moduleQuery } from "./module-version.ts";

export interface FleetReloaderOptions {
  settings: { BOTS_DIR: string; GETME_CONCURRENCY: number } & Pick<FleetSettings, "BOTS_DRAIN_SECONDS">;
  registry: BotRegistry;
  logger: Logger;
  /** What every load of a folder gets (the process's bot setup, the secrets' sink). */
  load: FolderLoadOptions;
  /**
   * Accepted updates of a bot not finished yet, in this process (the embedded default): a removed
   * bot is released once none is left. Undefined (a queue worker, whose updates wait in Redis): it
   * is released after BOTS_DRAIN_SECONDS.
   */
  pendingOf?: (botName: string) => number;
  /** getMe's kept answers (GETME_CACHE): an added bot seen before is ready at once, and what getMe answers is kept for the next start. */
  botInfoCache?: BotInfoCache;
  /** Folders that import a shared folder's modules (reloaded when a shared file changes); undefined: every folder. */
  sharedImporters?: () => ReadonlySet<string> | undefined;
}

export interface RescanReport {
  /** Folders loaded again (new, changed, or asked for by name). */
  reloaded: string[];
  removed: string[];
  unchanged: number;
}

/** Folders read (digested) in one turn of the event loop at start: a few ms of synchronous reads. */
const FOLDERS_PER_TURN = 50;

interface FolderSlot {
  done: Promise<void>;
  again: boolean;
  force: boolean;
}

export class FleetReloader {
  private readonly slots = new Map<string, FolderSlot>();
  private readonly versions = new Map<string, number>();
  private readonly fingerprints = new Map<string, string | undefined>();
  /** Shared folders (`_name/`) as the start read them, for the catch-up. */
  private readonly sharedPrints = new Map<string, string | undefined>();
  private sharedGeneration = 0;
  private readonly abort = new AbortController();
  private readonly getMeLimit: ReturnType<typeof pLimit>;
  private readonly background = new Set<Promise<unknown>>();
  private readonly loadLimit = pLimit(4);
  private closed = false;

  constructor(private readonly options: FleetReloaderOptions) {
    this.getMeLimit = pLimit(options.settings.GETME_CONCURRENCY);
  }

  /**
   * Remembers what each folder held when the start read it (fingerprintBotsDir, taken before the
   * load), so a rescan or the catch-up reloads only what changed since, edits during the start included.
   */
  noteLoaded(prints: ReadonlyMap<string, string | undefined>): void {
    for (const [folder, print] of prints) (folder.startsWith("_") ? this.sharedPrints : this.fingerprints).set(folder, print);
  }

  /**
   * Once the watcher is up: loads what changed since the start read BOTS_DIR (edits, folders added
   * or removed while the process started, which no watcher saw), and reloads the importers of a
   * shared folder that changed meanwhile. Reads every folder again, a few per turn of the event loop.
   */
  async catchUp(): Promise<RescanReport> {
    const report = await this.reloadPicked(async (folders) => {
      const changed: string[] = [];
      for (const [i, folder] of folders.entries()) {
        if (this.closed) break;
        if (!this.fingerprints.has(folder) || this.fingerprints.get(folder) !== fingerprintFolder(this.dirOf(folder))) changed.push(folder);
        // The reads are synchronous: updates and getMe answers get a turn every few folders.
        if (i % FOLDERS_PER_TURN === FOLDERS_PER_TURN - 1) await nextTurn();
      }
      return changed;
    });
    const sharedMoved = [...this.sharedPrints].some(([folder, print]) => fingerprintFolder(this.dirOf(folder)) !== print);
    if (sharedMoved && !this.closed) await this.sharedChanged();
    return report;
  }

  /** Reloads one folder (by its name in BOTS_DIR) if its files changed, or in any case with `force`. */
  reloadFolder(folder: string, force = false): Promise<void> {
    const slot = this.slots.get(folder);
    if (slot !== undefined) {
      slot.again = true;
      slot.force ||= force;
      return slot.done;
    }
    const created: FolderSlot = { done: Promise.resolve(), again: false, force };
    this.slots.set(folder, created);
    created.done = (async () => {
      try {
        do {
          const forced = created.force;
          created.again = false;
          created.force = false;
          await this.loadLimit(() => this.reloadOne(folder, forced)).catch((error: unknown) => this.options.logger.error({ err: error, folder }, "bot folder reload failed"));
        } while (created.again && !this.closed);
      } finally {
        this.slots.delete(folder);
      }
    })();
    return created.done;
  }

  /** Every folder: new ones loaded, changed ones reloaded, gone ones removed; `bot` (a BOT_NAME or folder) is reloaded whether changed or not. */
  async rescan(options: { bot?: string } = {}): Promise<RescanReport> {
    const { registry } = this.options;
    const forced = new Set(options.bot === undefined ? [] : registry.folders().filter((f) => f.name === options.bot || f.folder === options.bot).map((f) => f.folder));
    return this.reloadPicked(async (folders) => folders, forced);
  }

  /**
   * Reloads the folders `pick` chooses out of every folder known or in BOTS_DIR (those in `forced`
   * whether changed or not), and says what came of it: a folder reloaded when its version moved,
   * removed when it is no longer in BOTS_DIR.
   */
  private async reloadPicked(pick: (folders: string[]) => Promise<string[]>, forced: ReadonlySet<string> = new Set()): Promise<RescanReport> {
    const found = new Set((await discoverBots(this.options.settings.BOTS_DIR)).map((f) => f.folderName));
    const known = this.options.registry.folders().filter((f) => f.state !== "removed").map((f) => f.folder);
    const all = [...new Set([...known, ...found])];
    const picked = await pick(all);
    const before = new Map(picked.map((folder) => [folder, this.versions.get(folder) ?? 0]));
    await Promise.all(picked.map((folder) => this.reloadFolder(folder, forced.has(folder))));
    const reloaded = picked.filter((folder) => (this.versions.get(folder) ?? 0) !== before.get(folder));
    const removed = known.filter((folder) => !found.has(folder));
    return { reloaded, removed, unchanged: all.length - reloaded.length - removed.length };
  }

  /** A file of a shared folder (`_name/`) changed: every bot that imports shared modules loads again, on a new generation of them. */
  async sharedChanged(): Promise<void> {
    this.sharedGeneration++;
    const importers = this.options.sharedImporters?.();
    const folders = this.options.registry.folders().filter((f) => f.state !== "removed" && (importers === undefined || importers.has(f.folder)));
    this.options.logger.info({ generation: this.sharedGeneration, bots: folders.length }, "a shared bot module changed: reloading the bots that import shared modules");
    await Promise.all(folders.map((f) => this.reloadFolder(f.folder, true)));
  }

  /**
   * Stops reloading: getMe calls of new versions are aborted; running reloads and retirements get
   * `graceMs` (a bot module's import or a handler may never end, and shutdown must).
   */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    this.abort.abort();
    const timer = new AbortController();
    const settled = Promise.all([...[...this.slots.values()].map((slot) => slot.done), ...this.background]);
    await Promise.race([settled, sleep(graceMs, timer.signal).catch(() => undefined)]);
    timer.abort();
  }

  private dirOf(folder: string): string {
    return path.join(path.resolve(this.options.settings.BOTS_DIR), folder);
  }

  private async reloadOne(folder: string, force: boolean): Promise<void> {
    if (this.closed) return;
    const { registry, logger } = this.options;
    const dir = this.dirOf(folder);
    const described = await describeBotFolder(dir);
    if (described === undefined) {
      this.remove(folder);
      return;
    }
    const print = fingerprintFolder(dir);
    const entry = registry.entry(folder);
    if (!force && entry !== undefined && !entry.removed && this.fingerprints.has(folder) && this.fingerprints.get(folder) === print) return;
    this.fingerprints.set(folder, print);
    registry.markLoading(folder);
    const version = (this.versions.get(folder) ?? 0) + 1;
    this.versions.set(folder, version);
    const outcome = await loadBotFolder(described, { ...this.options.load, moduleQuery: moduleQuery(version, this.sharedGeneration) }, version);
    if (!(outcome instanceof LoadedBot)) {
      if (!this.closed) placeOutcome(registry, described, outcome, logger);
      return;
    }
    if (this.closed) {
      outcome.retire();
      return;
    }
    const previous = registry.servingOf(folder);
    if (previous !== undefined && previous.status === "ready" && previous.token === outcome.token && previous.bot.botInfo !== undefined) {
      // Same token: what getMe said still holds.
      outcome.bot.botInfo = previous.bot.botInfo;
      outcome.state.inheritReady();
    } else if (previous !== undefined && previous.status === "ready") {
      // A new token is checked before it replaces one that works.
      // Awaited to its getMe's answer, kept answer or not; the answer is kept for the next start.
      await startBots([outcome], { logger, concurrency: 1, limit: this.getMeLimit, signal: this.abort.signal, cache: this.options.botInfoCache });
      if (this.closed || outcome.status !== "ready") outcome.retire();
      if (this.closed) return;
      if (outcome.status !== "ready") {
        const failure = outcome.failure ?? { folder, name: outcome.name, code: "TOKEN_REJECTED" as const, file: undefined, reason: "Telegram rejected the bot token" };
        placeOutcome(registry, described, { failure, key: undefined }, logger);
        return;
      }
    }
    const placed = placeOutcome(registry, described, outcome, logger);
    if (!placed.placed) {
      outcome.retire();
      return;
    }
    if (outcome.status === "starting") this.track(startBots([outcome], { logger, concurrency: 1, limit: this.getMeLimit, signal: this.abort.signal, cache: this.options.botInfoCache }));
    if (placed.previous !== undefined) this.track(this.retire(placed.previous));
    if (placed.renamed !== undefined) this.afterNameFreed(placed.renamed);
  }

  private remove(folder: string): void {
    const removed = this.options.registry.remove(folder);
    this.fingerprints.delete(folder);
    if (removed !== undefined) this.afterNameFreed(removed);
  }

  /** A bot no longer serves its name: it drains, and a folder refused for wanting that name loads again. */
  private afterNameFreed(bot: LoadedBot): void {
    this.track(this.drain(bot));
    for (const folder of this.options.registry.waitingFor(bot.name)) void this.reloadFolder(folder, true);
  }

  /** A replaced version: its running updates finish on it, then it is retired. */
  private async retire(bot: LoadedBot): Promise<void> {
    await bot.whenIdle();
    bot.retire();
  }

  private async drain(bot: LoadedBot): Promise<void> {
    const { settings, pendingOf, registry, logger } = this.options;
    const deadline = Date.now() + settings.BOTS_DRAIN_SECONDS * 1000;
    const pending = (): number => (pendingOf === undefined ? Number.POSITIVE_INFINITY : pendingOf(bot.name));
    while (Date.now() < deadline && pending() > 0 && !this.closed) {
      await sleep(Math.min(200, deadline - Date.now()), this.abort.signal).catch(() => undefined);
    }
    // Shutting down: it stays runnable while the process finishes what it accepted.
    if (this.closed) return;
    const left = pendingOf === undefined ? undefined : pendingOf(bot.name);
    registry.released(bot);
    await bot.whenIdle();
    bot.retire();
    logger.info({ bot: bot.name, folder: bot.folder.folderName, version: bot.version, ...(left === undefined || left === 0 ? {} : { waiting: left }) }, left ? "removed bot released; its updates not handled yet wait for its folder to come back" : "removed bot released");
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.options.logger.error({ err: error }, "bot reload step failed"));
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }
}
