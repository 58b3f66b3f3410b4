/**
 * Long polling of one bot (development without a public URL): getUpdates in a loop, each update
 * handed to admission like the HTTP routes' updates, the offset moved past an update only once
 * it was admitted. Failures stay with this bot: 401 stops it, 409 (another poller, or a webhook
 * still set) is reported and retried with backoff, 429 waits `retry_after`, a full backlog waits
 * and offers the same update again. On stop, the offset of what was taken is confirmed, so a
 * restart does not get those updates again.
 */
import { GrammyError, type Api } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import { RequestError } from "../errors/request-error.ts";
import type { Admission } from "../admission/admission.ts";
import { validateUpdate } from "../http/validate-update-request.ts";
import { backoffDelayMs, sleep } from "../telegram/backoff.ts";

export interface BotPollerOptions {
  botName: string;
  api: Api;
  admission: Pick<Admission, "admit" | "closed">;
  logger: Logger;
  timeoutSeconds: number;
  limit: number;
  /** `[]`: Telegram's default types. */
  allowedUpdates: string[];
  deleteWebhook: boolean;
  maxBackoffMs: number;
}

/** grammY types its signals with the abort-controller polyfill's AbortSignal; Node's is the same at run time. */
type ApiSignal = Parameters<Api["getMe"]>[0];

export type PollerState = "idle" | "polling" | "stopped-token-rejected" | "stopped";

export class BotPoller {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private offset: number | undefined;
  /** The offset Telegram last saw: updates below it are confirmed. */
  private confirmedOffset: number | undefined;
  state: PollerState = "idle";

  constructor(private readonly options: BotPollerOptions) {}

  start(): void {
    this.state = "polling";
    this.loop = this.run().catch((error: unknown) => {
      this.options.logger.error({ err: error }, "polling loop crashed");
    });
  }

  /** Ends the loop (a long poll in flight is aborted) and confirms what was admitted. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.state === "polling") this.state = "stopped";
    if (this.offset === undefined || this.offset === this.confirmedOffset) return;
    try {
      await this.options.api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 }, AbortSignal.timeout(5000) as ApiSignal);
    } catch (error) {
      this.options.logger.warn({ err: error }, "could not confirm the last polled updates; they will come again");
    }
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const { api, logger } = this.options;
    const signal = this.abort.signal;
    if (this.options.deleteWebhook) {
      try {
        await api.deleteWebhook({ drop_pending_updates: false }, signal as ApiSignal);
        logger.info("webhook deleted before polling (POLLING_DELETE_WEBHOOK)");
      } catch (error) {
        if (this.stopping) return;
        logger.warn({ err: error }, "deleteWebhook failed; polling anyway");
      }
    }
    let failures = 0;
    while (!this.stopping) {
      let batch: Array<Record<string, unknown>>;
      try {
        const offset = this.offset;
        batch = (await api.getUpdates({ offset, limit: this.options.limit, timeout: this.options.timeoutSeconds, allowed_updates: this.options.allowedUpdates as never }, signal as ApiSignal)) as unknown as Array<
          Record<string, unknown>
        >;
        this.confirmedOffset = offset;
        failures = 0;
      } catch (error) {
        if (this.stopping) return;
        const delayMs = this.failureDelayMs(error, ++failures);
        if (delayMs === undefined) return;
        await sleep(delayMs, signal).catch(() => undefined);
        continue;
      }
      for (const update of batch) {
        if (!(await this.deliver(update))) return;
        this.offset = (update.update_id as number) + 1;
      }
    }
  }

  /** How long to wait after a failed getUpdates; undefined stops this bot's polling. */
  private failureDelayMs(error: unknown, failures: number): number | undefined {
    const { logger, maxBackoffMs } = this.options;
    const code = error instanceof GrammyError ? error.error_code : undefined;
    if (code === 401 || code === 404) {
      this.state = "stopped-token-rejected";
      logger.error({ code: "TOKEN_REJECTED", error_code: code }, "polling stopped for this bot: Telegram rejected its token");
      return undefined;
    }
    if (code === 429) {
      const retryAfter = (error as GrammyError).parameters.retry_after ?? 1;
      logger.warn({ retryAfterSeconds: retryAfter }, "getUpdates answered 429, waiting retry_after");
      return retryAfter * 1000;
    }
    const delayMs = backoffDelayMs(failures, 1000, maxBackoffMs);
    if (code === 409) {
      logger.error(
        { code: "POLLING_CONFLICT", description: (error as GrammyError).description, delayMs },
        "getUpdates conflict for this bot: another process polls it, or a webhook is set (POLLING_DELETE_WEBHOOK=1 removes it); retrying",
      );
    } else {
      logger.warn({ err: error, delayMs }, "getUpdates failed, retrying");
    }
    return delayMs;
  }

  /** Hands one update to admission, waiting while the backlog is full; false when polling is stopping. */
  private async deliver(raw: Record<string, unknown>): Promise<boolean> {
    let update: Update;
    try {
      update = validateUpdate(raw);
    } catch {
      this.options.logger.error("getUpdates returned an update without an integer update_id; skipped");
      return true;
    }
    for (;;) {
      if (this.stopping || this.options.admission.closed) return false;
      try {
        await this.options.admission.admit(this.options.botName, update);
        return true;
      } catch (error) {
        if (!(error instanceof RequestError) || error.statusCode !== 503) {
          this.options.logger.error({ err: error, update_id: update.update_id }, "a polled update was refused; skipped");
          return true;
        }
        if (this.options.admission.closed) return false;
        await sleep((error.retryAfterSeconds ?? 1) * 1000, this.abort.signal).catch(() => undefined);
      }
    }
  }
}
