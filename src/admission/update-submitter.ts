/**
 * The contract between admission and whatever takes an admitted update: the embedded processor
 * (in-process scheduler), the queue producer (Redis) or the separate gateway's forwarder. A
 * submitter decides only what is its own to decide (a duplicate it can see, a full backlog, an
 * unreachable queue) and says so as a value; admission turns refusals into the API's errors.
 */
import type { Update } from "grammy/types";
import type { HttpErrorCode } from "../errors/error-codes.ts";

/** Why a submitter could not take an update now. The sender keeps it and retries. */
export type Refusal =
  /** Too many updates waiting: over the whole process, or for this bot. */
  | { refused: "backlog-full"; scope: "service" | "bot" }
  /** The queue (Redis) cannot take the update now. */
  | { refused: "queue-unavailable"; message: string; cause?: unknown }
  /** The embedded default's local store could not write the update (disk full, say). */
  | { refused: "store-unavailable"; message: string; cause?: unknown }
  /** The separate gateway's service refused for now: its code and Retry-After are passed on. */
  | { refused: "forward-refused"; code: HttpErrorCode; message: string; retryAfterSeconds?: number };

export type SubmitResult = "accepted" | "duplicate" | Refusal;

export interface UpdateSubmitter {
  /** Takes one admitted update of `botName`; resolves once it is safely held (or refused). */
  submit(botName: string, update: Update): SubmitResult | Promise<SubmitResult>;
}
