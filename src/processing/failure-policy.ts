/**
 * What to do with an update whose handler threw: run it again (after how long) or give up.
 * Decided from the error's type, never from its message text.
 */
import { RetryUpdateAfterError, UnrecoverableUpdateError } from "../errors/retry-control.ts";

export type FailureDecision = { retry: false; reason: string } | { retry: true; delayMs: number | undefined; reason: string };

interface TelegramErrorShape {
  name: string;
  error_code: number;
  parameters?: { retry_after?: number };
}

function isTelegramError(error: unknown): error is TelegramErrorShape {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "GrammyError" && typeof (error as { error_code?: unknown }).error_code === "number";
}

/** Unwraps grammY's BotError (which wraps whatever the middleware threw). */
export function rootError(error: unknown): unknown {
  if (typeof error === "object" && error !== null && (error as { name?: unknown }).name === "BotError" && "error" in error) {
    return error.error;
  }
  return error;
}

export function decideOnFailure(thrown: unknown): FailureDecision {
  const error = rootError(thrown);
  if (error instanceof UnrecoverableUpdateError) return { retry: false, reason: "unrecoverable" };
  if (error instanceof RetryUpdateAfterError) return { retry: true, delayMs: error.retryAfterMs, reason: "retry requested" };
  if (isTelegramError(error)) {
    const code = error.error_code;
    if (code === 429) {
      const after = error.parameters?.retry_after;
      return { retry: true, delayMs: typeof after === "number" ? after * 1000 : undefined, reason: "telegram 429" };
    }
    if (code >= 500) return { retry: true, delayMs: undefined, reason: `telegram ${code}` };
    // 400 (bad request), 401 (token), 403 (blocked by user), 404: running again gives the same answer.
    return { retry: false, reason: `telegram ${code}` };
  }
  return { retry: true, delayMs: undefined, reason: "handler error" };
}
