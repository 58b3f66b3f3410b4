/**
 * Watches BOTS_DIR (chokidar: the file-system events of each platform, the editors' atomic
 * saves, folders added and removed) and says which bot folders changed, once each folder has been
 * quiet for BOTS_WATCH_DEBOUNCE_MS, so copying a folder of many files is one change. A change in a
 * shared folder (`_name/`) is reported apart: it concerns every bot that imports from it. Dot
 * folders, node_modules, and files that are not code, config or `.env` are not watched.
 */
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
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
  private watcher: FSWatcher | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly root: string;

  constructor(private readonly options: BotsWatcherOptions) {
    this.root = path.resolve(options.botsDir);
  }

  /** Resolves once the folder is watched (its files were listed). */
  async start(): Promise<void> {
    const watcher = watch(this.root, {
      ignoreInitial: true,
      ignored: (file, stats) => this.ignored(file, stats?.isFile() === true),
    });
    this.watcher = watcher;
    watcher.on("all", (_event, file) => this.changed(file));
    watcher.on("error", (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      const hint =
        code === "ENOSPC" || code === "EMFILE"
          ? "the system's limit of watched files is reached (raise fs.inotify.max_user_watches), or set BOTS_WATCH=false and reload with SIGHUP"
          : "changes may be missed until the next SIGHUP";
      this.options.logger.warn({ err: error, code, botsDir: this.root }, `watching BOTS_DIR failed: ${hint}`);
    });
    await new Promise<void>((resolve) => watcher.once("ready", resolve));
  }

  async close(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.watcher?.close();
  }

  private ignored(file: string, isFile: boolean): boolean {
    const relative = path.relative(this.root, file);
    if (relative === "" || relative.startsWith("..")) return false;
    const parts = relative.split(path.sep);
    if (parts.some((part, i) => (part.startsWith(".") && !(i === parts.length - 1 && part === ".env")) || IGNORED_DIRS.has(part))) return true;
    return isFile && !WATCHED_FILE.test(relative);
  }

  private changed(file: string): void {
    const relative = path.relative(this.root, file);
    const [top] = relative.split(path.sep);
    if (top === undefined || top === "" || top.startsWith("..") || top.startsWith(".")) return;
    // A file that is not code (created, then found out by its stats) changes nothing.
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
