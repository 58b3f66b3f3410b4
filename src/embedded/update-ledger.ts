/**
 * Where the embedded processor keeps what it accepted until it is handled, and the duplicate
 * claims: in memory (DURABILITY=memory: lost with the process) or on disk (durable-ledger.ts).
 * The processor asks the ledger once per update at each step: claim, record, then done or
 * released.
 */
import type { UpdateJob } from "../processing/update-job.ts";

export interface UpdateLedger {
  /** Takes the claim of (bot, update_id); false when it is held (a duplicate). Synchronous. */
  claim(botName: string, updateId: number): boolean;
  /** Gives a claim back: the next delivery of this update is handled again. */
  release(botName: string, updateId: number): void;
  /**
   * Keeps an accepted update until it is done. Undefined when there is nothing to wait for (in
   * memory); otherwise resolves once the update is durable (its 200 may go), rejects when the
   * store could not take it.
   */
  record(job: UpdateJob): Promise<void> | undefined;
  /** The update will run again after a pause: its attempts so far are kept. */
  retrying(job: UpdateJob): void;
  /** The update is done (handled, or given up): it is not kept any more. */
  done(job: UpdateJob): void;
  /** What the previous run of the process accepted and did not finish, in acceptance order. */
  recover(): UpdateJob[];
  /** Releases timers; the store itself is closed by its owner. */
  close(): void;
  /** True when a 200 means the update survives the process. */
  readonly durable: boolean;
}
