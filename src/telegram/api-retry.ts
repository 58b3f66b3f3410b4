/**
 * Retries of single Telegram Bot API calls, installed as a grammY API transformer on every bot.
 * 429 waits Telegram's `retry_after`; 5xx answers, network errors and non-JSON answers (grammY
 * reports the last two as HttpError) back off exponentially with jitter. 4xx answers are final.
 * Each retry is logged with its attempt, so a flood of 429s is visible per bot.
 */
import type { Transformer } from "grammy";
import type { Logger } from "pino";
import { backoffDelayMs, sleep } from "./backoff.ts";
import { networkCause, type NetworkCause } from "./network-cause.ts";

export interface ApiRetryOptions {
  /** Repeats after the first call. */
  maxRetries: number;
  baseDelayMs: number;
  /** A longer `retry_after` is not waited for here: the call fails and the update is retried later. */
  maxWaitSeconds: number;
  logger: Logger;
}

export function apiRetryTransformer(options: ApiRetryOptions): Transformer {
  const maxWaitMs = options.maxWaitSeconds * 1000;
  return async (prev, method, payload, signal) => {
    for (let attempt = 1; ; attempt++) {
      let delayMs: number;
      let reason: string;
      let cause: NetworkCause | undefined;
      try {
        const response = await prev(method, payload, signal);
        if (response.ok) return response;
        const retryAfter = response.parameters?.retry_after;
        if (response.error_code === 429 && typeof retryAfter === "number") {
          delayMs = retryAfter * 1000;
          reason = "429";
        } else if (response.error_code >= 500 || response.error_code === 429) {
          delayMs = backoffDelayMs(attempt, options.baseDelayMs, maxWaitMs);
          reason = String(response.error_code);
        } else {
          return response;
        }
        if (attempt > options.maxRetries || delayMs > maxWaitMs) return response;
      } catch (error) {
        if (signal?.aborted === true || attempt > options.maxRetries) throw error;
        delayMs = backoffDelayMs(attempt, options.baseDelayMs, maxWaitMs);
        reason = error instanceof Error ? error.name : "error";
        cause = networkCause(error);
      }
      options.logger.warn({ method, attempt, delayMs, reason, ...(cause === undefined ? {} : { cause: cause.code, host: cause.host }) }, "telegram api call failed, retrying");
      await sleep(delayMs, signal as AbortSignal | undefined);
    }
  };
}
