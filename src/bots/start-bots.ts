/**
 * Starting loaded bots: getMe for each, a bounded number at a time, in the background. A rejected
 * token (401/404) marks that bot failed; an unreachable Telegram is retried with backoff while the
 * bot stays `starting` (its updates are accepted and wait). With a getMe cache (GETME_CACHE), a
 * bot whose token got an answer before is ready from it at once, and getMe still runs: a changed
 * answer replaces the kept one, a rejected token still fails the bot.
 */
import { setMaxListeners } from "node:events";
import pLimit, { type LimitFunction } from "p-limit";
import type { Logger } from "pino";
import { backoffDelayMs, sleep } from "../telegram/backoff.ts";
import { networkCause } from "../telegram/network-cause.ts";
import type { BotInfoCache } from "./bot-info-cache.ts";
import type { LoadedBot } from "./loaded-bot.ts";

export interface StartBotsOptions {
  logger: Logger;
  concurrency: number;
  /** Stops the getMe retries (shutdown). */
  signal?: AbortSignal;
  /** Longest pause between getMe attempts of a bot Telegram cannot be reached for. @defaultValue 30000 */
  maxBackoffMs?: number;
  /** Shares the `concurrency` bound with other calls (live reload starts one bot at a time). */
  limit?: LimitFunction;
  /** getMe's answers of earlier starts (GETME_CACHE); none: every bot waits for its getMe. */
  cache?: BotInfoCache;
}

function isTokenRejection(error: unknown): boolean {
  const code = (error as { error_code?: unknown } | null)?.error_code;
  return code === 401 || code === 404;
}

/**
 * Calls getMe for every bot, `concurrency` at a time. A rejected token (401/404) marks that bot
 * failed; an unreachable Telegram is retried with backoff while the bot stays `starting`.
 */
export async function startBots(bots: readonly LoadedBot[], options: StartBotsOptions): Promise<void> {
  const limit = options.limit ?? pLimit(options.concurrency);
  const aborted = () => options.signal?.aborted === true;
  // grammY listens to the signal once per call in flight: up to `concurrency` getMe at once is no leak.
  if (options.signal !== undefined) setMaxListeners(0, options.signal);
  await Promise.all(
    bots.map(async (loaded) => {
        const kept = await options.cache?.read(loaded.name, loaded.token);
        if (kept !== undefined && !aborted()) {
          loaded.bot.botInfo = kept;
          loaded.state.moveTo({ state: "ready", username: kept.username }, options.logger);
        }
        // The slot is held for one getMe call, not across backoff pauses: a bot Telegram cannot
        // reach for a while must not keep the others from starting.
        for (let attempt = 1; !aborted(); attempt++) {
          try {
            const info = await limit(() => loaded.bot.api.getMe(options.signal as Parameters<typeof loaded.bot.api.getMe>[0]));
            loaded.bot.botInfo = info;
            loaded.state.moveTo({ state: "ready", username: info.username }, options.logger);
            if (kept !== undefined && kept.username !== info.username) options.logger.info({ bot: loaded.name, was: kept.username, username: info.username }, "bot's username changed since getMe was kept");
            if (options.cache !== undefined && JSON.stringify(kept) !== JSON.stringify(info)) await options.cache.write(loaded.name, loaded.token, info);
            return;
          } catch (error) {
            if (aborted()) return;
            if (isTokenRejection(error)) {
              const failure = {
                folder: loaded.folder.folderName,
                name: loaded.name,
                code: "TOKEN_REJECTED",
                file: undefined,
                reason: "Telegram rejected the bot token (getMe answered 401/404)",
              } as const;
              loaded.state.moveTo({ state: "failed", failure, err: error }, options.logger);
              return;
            }
            const delayMs = backoffDelayMs(attempt, 1000, options.maxBackoffMs ?? 30_000);
            const { code, host } = networkCause(error);
            options.logger.warn({ bot: loaded.name, attempt, delayMs, cause: code, host, err: error }, "getMe failed, retrying");
            await sleep(delayMs, options.signal).catch(() => undefined);
          }
        }
    }),
  );
}
