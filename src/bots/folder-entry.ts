/**
 * One bot folder as the registry keeps it: the version serving (if any), the failure of its
 * newest load (if that failed), the bot a caller still reaches by name when no version loaded
 * (FailedBot, 503), whether the folder is gone, and when its visible state last changed. The
 * state a user sees is worked out from these, so it cannot disagree with them:
 *
 * | state                | means                                                                  |
 * |----------------------|------------------------------------------------------------------------|
 * | `loading`            | seen, its first version is being loaded (not serving yet)              |
 * | `starting`           | serving, getMe not answered yet (its updates are accepted and wait)    |
 * | `ready`              | serving                                                                |
 * | `ready-newer-failed` | an older version serves; the newest did not load (failure says why)   |
 * | `failed`             | nothing serves: no version loaded, or Telegram rejected its token     |
 * | `draining`           | removed (or renamed): no new updates, accepted ones are finishing      |
 * | `removed`            | removed, and nothing of it runs any more                              |
 */
import type { FailedBot } from "./failed-bot.ts";
import type { BotFailure, LoadedBot } from "./loaded-bot.ts";

export type FleetState = "loading" | "starting" | "ready" | "ready-newer-failed" | "failed" | "draining" | "removed";

/** A folder's state as /readyz and `bots list` show it (never a secret: the reason is scrubbed by the caller). */
export interface FolderView {
  folder: string;
  /** BOT_NAME of the version serving (or of the one that failed, when it got that far). */
  name: string | undefined;
  state: FleetState;
  /** When the state last changed (ISO 8601). */
  changedAt: string;
  /** Which load of the folder serves: 0 for the first, counting every reload. */
  version: number | undefined;
  failure: Pick<BotFailure, "code" | "file" | "reason"> | undefined;
}

export class FolderEntry {
  serving: LoadedBot | undefined;
  failure: BotFailure | undefined;
  unloaded: FailedBot | undefined;
  removed = false;
  /** The name it served last, so a removed folder can say which bot it was. */
  private lastName: string | undefined;
  private changedAt = Date.now();
  /** The last change time as ISO 8601, kept for the next view (/readyz writes every folder's). */
  private changedIso: { at: number; iso: string } | undefined;

  constructor(readonly folder: string) {}

  serve(bot: LoadedBot): void {
    this.serving = bot;
    this.lastName = bot.name;
    this.failure = undefined;
    this.unloaded = undefined;
    this.removed = false;
  }

  fail(failure: BotFailure, unloaded: FailedBot | undefined): void {
    this.failure = failure;
    this.removed = false;
    if (this.serving === undefined) {
      this.unloaded = unloaded;
      this.lastName = failure.name ?? this.lastName;
    }
  }

  remove(): void {
    this.removed = true;
    this.serving = undefined;
    this.unloaded = undefined;
    this.failure = undefined;
  }

  /** Back after a removal: loading again. */
  reopen(): void {
    this.removed = false;
  }

  touch(): void {
    this.changedAt = Date.now();
  }

  /** The failure to report: the newest load's, or the serving version's rejected token. */
  currentFailure(): BotFailure | undefined {
    return this.failure ?? (this.serving?.status === "failed" ? this.serving.failure : undefined);
  }

  state(draining: ReadonlyMap<string, LoadedBot>): FleetState {
    if (this.removed) {
      const name = this.lastName;
      return name !== undefined && draining.get(name)?.folder.folderName === this.folder ? "draining" : "removed";
    }
    const serving = this.serving;
    if (serving === undefined) return this.failure === undefined ? "loading" : "failed";
    if (serving.status === "failed") return "failed";
    if (this.failure !== undefined) return "ready-newer-failed";
    return serving.status === "starting" ? "starting" : "ready";
  }

  private isoOf(at: number): string {
    if (this.changedIso?.at !== at) this.changedIso = { at, iso: new Date(at).toISOString() };
    return this.changedIso.iso;
  }

  view(draining: ReadonlyMap<string, LoadedBot>): FolderView {
    const failure = this.removed ? undefined : this.currentFailure();
    // The serving version's own moves (getMe answered, token rejected) count as changes too.
    const changed = Math.max(this.changedAt, this.serving?.state.changedAt ?? 0);
    return {
      folder: this.folder,
      name: this.serving?.name ?? this.lastName ?? this.failure?.name,
      state: this.state(draining),
      changedAt: this.isoOf(changed),
      version: this.serving?.version,
      failure: failure === undefined ? undefined : { code: failure.code, file: failure.file, reason: failure.reason },
    };
  }
}
