/**
 * The journal's undelivered records in the local store: a record is added when its update
 * settles (in that turn's transaction) and removed once the sink took it or gave up on it, so a
 * restart delivers what the last run could not.
 */
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import type { LocalStore } from "./local-store.ts";

export class JournalOutbox {
  private nextKey: number;

  constructor(private readonly store: LocalStore) {
    const last = [...store.dbs.journal.getKeys({ reverse: true, limit: 1 })][0];
    this.nextKey = typeof last === "number" ? last + 1 : 1;
  }

  add(record: ProcessedUpdateRecord): number {
    const key = this.nextKey++;
    if (!this.store.closed) this.store.dbs.journal.put(key, record).catch(() => undefined);
    return key;
  }

  remove(key: number): void {
    if (!this.store.closed) this.store.dbs.journal.remove(key).catch(() => undefined);
  }

  /** What the last run left undelivered, oldest first. */
  pending(): Array<{ key: number; record: ProcessedUpdateRecord }> {
    return [...this.store.dbs.journal.getRange()].map(({ key, value }) => ({ key: key as number, record: value as ProcessedUpdateRecord }));
  }
}
