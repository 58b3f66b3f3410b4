/**
 * The embedded default's journal delivery: records wait in a bounded in-memory queue and a few
 * deliveries run at once, each retried with backoff, so a slow or dead backend never slows update
 * handling. Past the bound the oldest record is dropped (counted, warned). At shutdown what is left
 * gets a short deadline; what still is not delivered is logged by bot and update_id.
 */
import type { Logger } from "pino";
import { Deque } from "../collections/deque.ts";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { ThrottledLog } from "../logging/throttled-log.ts";
import { sleep } from "../telegram/backoff.ts";
import { journalRetryDelayMs, type JournalRetryPolicy } from "./journal-retry.ts";
import type { JournalSink } from "./journal-sink.ts";

export interface InProcessJournalOptions {
  sink: JournalSink;
  logger: Logger;
  /** Records waiting (for a first delivery or a retry); past it the oldest are dropped. */
  maxBacklog: number;
  /** Deliveries at once. */
  concurrency: number;
  retry: JournalRetryPolicy;
  /** Drops are warned about at most this often (with their count). @defaultValue 1000 */
  dropWarningIntervalMs?: number;
  /** Where undelivered records are kept across restarts (the embedded default's local store). */
  outbox?: JournalRecordOutbox;
}

/** Keeps undelivered records outside the process; see local-store/journal-outbox.ts. */
export interface JournalRecordOutbox {
  add(record: ProcessedUpdateRecord): number;
  remove(key: number): void;
  pending(): Array<{ key: number; record: ProcessedUpdateRecord }>;
}

interface Entry {
  record: ProcessedUpdateRecord;
  /** Deliveries tried so far. */
  attempts: number;
  /** Its key in the outbox, when there is one. */
  key?: number;
}

export interface InProcessJournalStats {
  waiting: number;
  delivering: number;
  delivered: number;
  /** Given up: not retryable, or out of attempts. */
  failed: number;
  dropped: number;
}

/** How many undelivered records the shutdown line names one by one (the count is always exact). */
const LISTED_AT_SHUTDOWN = 100;

export class InProcessJournal {
  private readonly ready = new Deque<Entry>();
  /** Entries waiting for their retry, in the order they failed (Map keeps insertion order). */
  private readonly delayed = new Map<Entry, NodeJS.Timeout>();
  private readonly inFlight = new Set<Entry>();
  private pumpScheduled = false;
  private draining = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private delivered = 0;
  private failed = 0;
  private droppedTotal = 0;
  private readonly dropWarning: ThrottledLog;

  constructor(private readonly options: InProcessJournalOptions) {
    this.dropWarning = new ThrottledLog(
      (dropped) => options.logger.warn({ dropped, dropped_total: this.droppedTotal, maxBacklog: options.maxBacklog }, "journal backlog full, oldest records dropped"),
      options.dropWarningIntervalMs ?? 1000,
    );
    const left = options.outbox?.pending() ?? [];
    for (const { key, record } of left) this.ready.push({ record, attempts: 0, key });
    if (left.length > 0) {
      options.logger.info({ records: left.length }, "journal records left undelivered by the last run, delivering them");
      this.schedulePump();
    }
  }

  stats(): InProcessJournalStats {
    return {
      waiting: this.ready.length + this.delayed.size,
      delivering: this.inFlight.size,
      delivered: this.delivered,
      failed: this.failed,
      dropped: this.droppedTotal,
    };
  }

  /** Takes a record without waiting for anything: O(1), never throws, never calls the sink inline. */
  enqueue(record: ProcessedUpdateRecord): void {
    if (this.stopped) {
      this.options.logger.error({ bot: record.bot_name, update_id: record.update_id, status: record.status }, "journal record after shutdown, not delivered");
      return;
    }
    this.ready.push({ record, attempts: 0, key: this.options.outbox?.add(record) });
    while (this.ready.length + this.delayed.size > this.options.maxBacklog) this.dropOldest();
    this.schedulePump();
  }

  /** Resolves when nothing waits or is being delivered. */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Delivers what it can within `deadlineMs` (records waiting for a retry get one more try at
   * once), then stops and logs every record not delivered.
   */
  async stop(deadlineMs: number): Promise<void> {
    if (this.stopped) return;
    this.draining = true;
    for (const [entry, timer] of this.delayed) {
      clearTimeout(timer);
      this.ready.push(entry);
    }
    this.delayed.clear();
    this.pump();
    const deadline = new AbortController();
    await Promise.race([this.onIdle(), sleep(deadlineMs, deadline.signal).catch(() => undefined)]);
    deadline.abort();
    this.stopped = true;
    for (const timer of this.delayed.values()) clearTimeout(timer);
    const left = [...this.inFlight, ...this.ready, ...this.delayed.keys()];
    this.delayed.clear();
    this.inFlight.clear();
    while (this.ready.length > 0) this.ready.shift();
    this.dropWarning.flush();
    const { logger } = this.options;
    if (left.length > 0) {
      const records = left.slice(0, LISTED_AT_SHUTDOWN).map((e) => ({ bot: e.record.bot_name, update_id: e.record.update_id, status: e.record.status }));
      // Kept in the outbox, they are delivered after the next start: a warning, not a loss.
      if (this.options.outbox === undefined) logger.error({ count: left.length, records, deadlineMs }, "journal records not delivered at shutdown");
      else logger.warn({ count: left.length, records, deadlineMs }, "journal records not delivered at shutdown, kept in the local store for the next start");
    }
    logger.info({ delivered: this.delivered, failed: this.failed, dropped: this.droppedTotal, undelivered: left.length }, "journal stopped");
    this.resolveIdle();
  }

  /** The record is delivered, given up or dropped: the outbox need not keep it. */
  private forget(entry: Entry): void {
    if (entry.key !== undefined) this.options.outbox?.remove(entry.key);
  }

  private isIdle(): boolean {
    return this.ready.length === 0 && this.delayed.size === 0 && this.inFlight.size === 0;
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** A record that already failed once is older than anything still waiting for its first try. */
  private dropOldest(): void {
    const first = this.delayed.entries().next();
    let dropped: Entry | undefined;
    if (first.done !== true) {
      const [entry, timer] = first.value;
      clearTimeout(timer);
      this.delayed.delete(entry);
      dropped = entry;
    } else {
      dropped = this.ready.shift();
    }
    if (dropped === undefined) return;
    this.forget(dropped);
    this.droppedTotal++;
    this.dropWarning.hit();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Never call the sink from inside onSettled: even its synchronous part runs later.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.stopped && this.inFlight.size < this.options.concurrency) {
      const entry = this.ready.shift();
      if (entry === undefined) break;
      this.inFlight.add(entry);
      void this.deliver(entry);
    }
    if (this.isIdle()) this.resolveIdle();
  }

  private async deliver(entry: Entry): Promise<void> {
    entry.attempts++;
    const { record } = entry;
    const log = this.options.logger;
    try {
      await this.options.sink.deliver(record);
      this.forget(entry);
      if (this.stopped) return;
      this.delivered++;
    } catch (error) {
      if (this.stopped) return;
      const delayMs = journalRetryDelayMs(error, entry.attempts, this.options.retry);
      if (delayMs === undefined) {
        this.forget(entry);
        this.failed++;
        log.error({ bot: record.bot_name, update_id: record.update_id, status: record.status, attempts: entry.attempts, err: error }, "journal record not delivered");
      } else {
        log.debug({ bot: record.bot_name, update_id: record.update_id, attempt: entry.attempts, delayMs, err: error }, "journal delivery failed, will retry");
        this.delayed.set(
          entry,
          setTimeout(() => {
            this.delayed.delete(entry);
            this.ready.push(entry);
            this.pump();
          }, delayMs),
        );
      }
    } finally {
      if (!this.stopped) {
        this.inFlight.delete(entry);
        this.pump();
      }
    }
  }
}
