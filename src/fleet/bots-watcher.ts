/**
 * Watches BOTS_DIR and says which bot folders changed, once each folder has been quiet for
 * BOTS_WATCH_DEBOUNCE_MS, so copying a folder of many files is one change. A change in a shared
 * folder (`_name/`) is reported apart: it concerns every bot that imports from it. Dot folders,
 * node_modules, and files that are not code, config or `.env` are not watched.
 *
 * One `fs.watch` per directory, none per file: a directory's watch reports every file created,
 * changed, renamed or removed in it (inotify, FSEvents, ReadDirectoryChangesW), which is all a
 * debounced "this folder changed" needs; the reloader then compares the folder's content hash, so
 * an event that changed nothing reloads nothing. chokidar, used before, watched every file and kept
 * its stats: about 52 KB of heap per bot (104 MB for 2000 bots), and 6 inotify watches per bot
 * where this takes one per directory.
 */
import { watch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { IGNORED_DIRS, WATCHED_FILE } from "./fleet-settings.ts";

export interface BotsWatcherOptions {
  botsDir: string;
  debounceMs: number;
  logger: Logger;
  /** A bot folder (its name in BOTS_DIR) changed, was added or removed. */
  onFolder: (folder: string) => void;
  /** A file of a shared folder changed. */
  onShared: () => void;
}

export class BotsWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly root: string;
  private closed = false;
  private limitReported = false;

  constructor(private readonly options: BotsWatcherOptions) {
    this.root = path.resolve(options.botsDir);
  }

  /** Resolves once every directory under BOTS_DIR is watched. */
  async start(): Promise<void> {
    await this.watchTree(this.root);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /**
   * Watches `dir` and every directory below it that is not ignored. A directory that appeared
   * while the service runs is reported changed once it is watched: files written into it before
   * its watch began are in the folder the debounced reload reads.
   */
  private async watchTree(dir: string, appeared = false): Promise<void> {
    if (this.closed || this.watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => this.event(dir, typeof name === "string" ? name : undefined));
    } catch (error) {
      this.failed(error);
      return;
    }
    watcher.on("error", (error) => {
      this.unwatch(dir);
      // A directory removed while watched ends its watch; that is no failure.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" && (error as NodeJS.ErrnoException).code !== "EPERM") this.failed(error);
    });
    this.watchers.set(dir, watcher);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = path.join(dir, entry.name);
      if (entry.isDirectory() && !this.ignored(child)) await this.watchTree(child, appeared);
    }
    if (appeared) this.changed(dir);
  }

  /** Stops watching `dir` and everything below it (it was removed or renamed away). */
  private unwatch(dir: string): void {
    for (const [watched, watcher] of this.watchers) {
      if (watched === dir || watched.startsWith(dir + path.sep)) {
        watcher.close();
        this.watchers.delete(watched);
      }
    }
  }

  private event(dir: string, name: string | undefined): void {
    if (this.closed) return;
    const file = name === undefined ? dir : path.join(dir, name);
    if (this.ignored(file)) return;
    // A directory created or moved in is watched, with all it holds; one that went is let go.
    if (name !== undefined) {
      stat(file).then(
        (stats) => (stats.isDirectory() ? this.watchTree(file, true) : undefined),
        () => this.unwatch(file),
      ).catch((error: unknown) => this.failed(error));
    }
    this.changed(file);
  }

  private failed(error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code;
    const limit = code === "ENOSPC" || code === "EMFILE";
    if (limit && this.limitReported) return;
    this.limitReported ||= limit;
    const hint = limit
      ? "the system's limit of watched directories is reached (raise fs.inotify.max_user_watches), or set BOTS_WATCH=false and reload with SIGHUP"
      : "changes may be missed until the next SIGHUP";
    this.options.logger.warn({ err: error, code, botsDir: this.root }, `watching BOTS_DIR failed: ${hint}`);
  }

  /** Dot folders and files (but `.env`), node_modules, data and logs. */
  private ignored(file: string): boolean {
    const relative = path.relative(this.root, file);
    if (relative === "" || relative.startsWith("..")) return false;
    const parts = relative.split(path.sep);
    return parts.some((part, i) => (part.startsWith(".") && !(i === parts.length - 1 && part === ".env")) || IGNORED_DIRS.has(part));
  }

  private changed(file: string): void {
    const relative = path.relative(this.root, file);
    const [top] = relative.split(path.sep);
    if (top === undefined || top === "" || top.startsWith("..") || top.startsWith(".")) return;
    // A file that is not code (a bot's own users.json, say) changes nothing.
    if (relative !== top && path.extname(relative) !== "" && !WATCHED_FILE.test(relative)) return;
    const key = top.startsWith("_") ? "\0shared" : top;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (key === "\0shared") this.options.onShared();
        else this.options.onFolder(top);
      }, this.options.debounceMs),
    );
  }
}
