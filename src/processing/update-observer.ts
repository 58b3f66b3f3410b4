/**
 * What a process lets others watch of the updates it takes in and handles: the one small hook of
 * our own that metrics (and tests) listen to. Each method is optional, synchronous and must be
 * cheap: it runs on the path of every update.
 */
import type { ProcessingStatus } from "./update-job.ts";

export interface UpdateObserver {
  /** Admission took an update (200), or found it a duplicate (200, not handled again). */
  admitted?(bot: string, result: "accepted" | "duplicate"): void;
  /** An intake route refused a request, with the error code it answered. */
  refused?(code: string): void;
  /** An update's first attempt begins, `waitMs` after it was accepted. */
  started?(bot: string, waitMs: number): void;
  /** One attempt of an update's handlers ran for `handlingMs`, whatever its outcome. */
  handled?(bot: string, handlingMs: number): void;
  /** An update will run again (its handler failed and may succeed later). */
  retried?(bot: string): void;
  /** An update is done, as the journal records it; `error` is the (unscrubbed) reason it failed. */
  settled?(bot: string, status: ProcessingStatus, error?: string): void;
}
