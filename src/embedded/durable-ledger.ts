/**
 * The ledger of the durable embedded default: every accepted update and its duplicate claim are
 * written to the local store in the transaction of the event-loop turn that accepted them, and the
 * update's 200 waits for that commit. A finished update is removed (in a later turn's
 * transaction); a restart finds what was not. Claims live on disk for DEDUP_WINDOW_SECONDS, so a
 * redelivery after a restart is still a duplicate; they expire in batches in the background. A
 * short in-memory window in front of the disk (the last minute's claims) answers a repeat whose
 * claim has not committed yet.
 */
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import type { LocalStore } from "../local-store/local-store.ts";
import { newUpdateJob, type UpdateJob } from "../processing/update-job.ts";
import { claimKey, DedupWindow } from "./dedup-window.ts";
import type { UpdateLedger } from "./update-ledger.ts";

/** What the store keeps of a pending update. */
interface PendingEntry {
  bot: string;
  update: Update;
  acceptedAt: number;
  attempts: number;
}

export interface DurableLedgerOptions {
  store: LocalStore;
  logger: Logger;
  /** DEDUP_WINDOW_SECONDS in ms (0: no duplicate claims). */
  windowMs: number;
  /** Claims remembered in memory in front of the disk, at most (DEDUP_MAX_ENTRIES). */
  hotEntries: number;
  /**
   * How long a claim stays in memory in front of the disk. The memory copy is what answers a
   * repeat before the claim's write has committed (milliseconds); older claims are read from
   * disk. Keeping the whole window in memory instead would grow the heap with every update
   * until DEDUP_MAX_ENTRIES (about 130 bytes each), for no answer the disk does not give.
   * @defaultValue 60000
   */
  hotWindowMs?: number;
  /** Expired claims removed per round; a full round is followed by another at once. @defaultValue 10000 */
  expiryBatch?: number;
  /** Pause between expiry rounds that found less than a batch. @defaultValue 60000 */
  expiryIntervalMs?: number;
  now?: () => number;
}

export class DurableLedger implements UpdateLedger {
  readonly durable = true;
  private readonly hot: DedupWindow | undefined;
  private readonly keys = new WeakMap<UpdateJob, number>();
  /**
   * Claims released in this run whose removal from disk has not committed yet (with how many
   * removals are in flight): until it commits, a read still finds the claim on disk, and a
   * redelivery of a failed update in that moment must run, not be taken for a duplicate.
   */
  private readonly releasing = new Map<string, number>();
  private nextKey: number;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: DurableLedgerOptions) {
    this.now = options.now ?? Date.now;
    this.hot = options.windowMs > 0 ? new DedupWindow(Math.min(options.windowMs, options.hotWindowMs ?? 60_000), options.hotEntries, this.now) : undefined;
    const last = [...options.store.dbs.pending.getKeys({ reverse: true, limit: 1 })][0];
    this.nextKey = typeof last === "number" ? last + 1 : 1;
    if (options.windowMs > 0) this.scheduleExpiry(options.expiryIntervalMs ?? 60_000);
  }

  /** Claims held in memory in front of the disk (those of the last hotWindowMs). */
  get claimsInMemory(): number {
    return this.hot?.size ?? 0;
  }

  claim(botName: string, updateId: number): boolean {
    if (this.hot === undefined) return true;
    if (!this.hot.claim(botName, updateId)) return false;
    if (this.options.store.closed) return true;
    // Almost always empty: no key is built for the common claim.
    if (this.releasing.size > 0 && this.releasing.has(claimKey(botName, updateId))) return true;
    const expiresAt = this.options.store.dbs.dedup.get([botName, updateId]) as number | undefined;
    // Claimed in an earlier run of the process: the hot window now holds it too.
    return !(expiresAt !== undefined && expiresAt > this.now());
  }

  release(botName: string, updateId: number): void {
    if (this.hot === undefined) return;
    this.hot.release(botName, updateId);
    if (this.options.store.closed) return;
    const { dedup, dedupExpiry } = this.options.store.dbs;
    const expiresAt = dedup.get([botName, updateId]) as number | undefined;
    if (expiresAt === undefined) return;
    const id = claimKey(botName, updateId);
    this.releasing.set(id, (this.releasing.get(id) ?? 0) + 1);
    const committed = (): void => {
      const left = (this.releasing.get(id) ?? 1) - 1;
      if (left > 0) this.releasing.set(id, left);
      else this.releasing.delete(id);
    };
    this.quietly(() => dedup.remove([botName, updateId]).finally(committed));
    this.quietly(() => dedupExpiry.remove([expiresAt, botName, updateId]));
  }

  record(job: UpdateJob): Promise<void> {
    if (this.options.store.closed) return Promise.reject(new Error("the local store is closed"));
    const { pending, dedup, dedupExpiry } = this.options.store.dbs;
    const key = this.nextKey++;
    this.keys.set(job, key);
    if (this.hot !== undefined) {
      const expiresAt = job.acceptedAt + this.options.windowMs;
      // Issued in the same turn as the update, so they commit in its transaction.
      this.quietly(() => dedup.put([job.botName, job.updateId], expiresAt));
      this.quietly(() => dedupExpiry.put([expiresAt, job.botName, job.updateId], true));
    }
    const entry: PendingEntry = { bot: job.botName, update: job.update, acceptedAt: job.acceptedAt, attempts: 0 };
    return pending.put(key, entry).then(() => undefined);
  }

  retrying(job: UpdateJob): void {
    const key = this.keys.get(job);
    if (key === undefined) return;
    const entry: PendingEntry = { bot: job.botName, update: job.update, acceptedAt: job.acceptedAt, attempts: job.attempts };
    this.quietly(() => this.options.store.dbs.pending.put(key, entry));
  }

  done(job: UpdateJob): void {
    const key = this.keys.get(job);
    if (key === undefined) return;
    this.keys.delete(job);
    this.quietly(() => this.options.store.dbs.pending.remove(key));
  }

  recover(): UpdateJob[] {
    const jobs: UpdateJob[] = [];
    for (const { key, value } of this.options.store.dbs.pending.getRange()) {
      const entry = value as PendingEntry;
      const job = newUpdateJob(entry.bot, entry.update, entry.acceptedAt);
      job.attempts = entry.attempts;
      this.keys.set(job, key as number);
      this.hot?.claim(entry.bot, job.updateId);
      jobs.push(job);
    }
    return jobs;
  }

  close(): void {
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  /** Removes up to a batch of expired claims (one transaction); resolves with how many, once they are gone. */
  async expireClaims(): Promise<number> {
    if (this.options.store.closed) return 0;
    const { dedup, dedupExpiry } = this.options.store.dbs;
    const limit = this.options.expiryBatch ?? 10_000;
    const removals: Array<Promise<unknown>> = [];
    let expired = 0;
    for (const key of dedupExpiry.getKeys({ end: [this.now()], limit })) {
      const [expiresAt, botName, updateId] = key as [number, string, number];
      expired++;
      removals.push(dedupExpiry.remove(key));
      // A later claim of the same update (released, then taken again) keeps its own expiry.
      if (dedup.get([botName, updateId]) === expiresAt) removals.push(dedup.remove([botName, updateId]));
    }
    await Promise.all(removals);
    return expired;
  }

  private scheduleExpiry(intervalMs: number): void {
    const round = (): void => {
      this.expireClaims().then(
        (removed) => {
          const full = removed >= (this.options.expiryBatch ?? 10_000);
          if (!this.options.store.closed) this.expiryTimer = setTimeout(round, full ? 100 : intervalMs).unref();
        },
        (error: unknown) => this.options.logger.error({ err: error }, "expiring duplicate claims failed"),
      );
    };
    this.expiryTimer = setTimeout(round, intervalMs).unref();
  }

  /**
   * A background write that fails is logged, not thrown: the update it belongs to is already
   * answered. After close (a handler still running past the shutdown deadline) it is dropped: the
   * update stays pending and runs again after the restart.
   */
  private quietly(write: () => Promise<unknown>): void {
    if (this.options.store.closed) return;
    write().catch((error: unknown) => this.options.logger.error({ err: error }, "local store write failed"));
  }
}
