/**
 * When to deliver a journal record again after a failed attempt. Shared by the in-process
 * journal and usable by a queue consumer's backoff, so both retry the same way.
 */
import { backoffDelayMs } from "../telegram/backoff.ts";
import { isRetryableJournalError } from "../errors/journal-delivery-error.ts";

export interface JournalRetryPolicy {
  /** Deliveries of one record, the first included. */
  maxAttempts: number;
  /** First backoff; doubles each time, with jitter. */
  baseMs: number;
  /** Longest wait, Retry-After included. */
  maxWaitMs: number;
}

/**
 * Delay before the next delivery after `attempts` failed ones, or undefined to give up (a
 * non-retryable error, or no attempt left). A 429's Retry-After wins over the backoff.
 */
export function journalRetryDelayMs(error: unknown, attempts: number, policy: JournalRetryPolicy): number | undefined {
  if (!isRetryableJournalError(error) || attempts >= policy.maxAttempts) return undefined;
  const asked = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  if (typeof asked === "number" && Number.isFinite(asked) && asked >= 0) return Math.min(asked, policy.maxWaitMs);
  return backoffDelayMs(attempts, policy.baseMs, policy.maxWaitMs);
}
