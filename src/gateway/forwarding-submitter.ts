/**
 * The separate gateway's submitter: each admitted webhook update is POSTed to the service's
 * `/internal/update` with that bot's X-Internal-Key, and Telegram is answered 200 only once the
 * service answered 200. Anything the service may take later (unreachable, timeout, 5xx, a 503 of a
 * full backlog or a shutdown, a key or bot name it does not know: configuration to fix) becomes a
 * 503 to Telegram, which keeps the update and delivers it again. A 4xx that says the update itself
 * is bad (400, 413, 415) is answered 200 and logged: Telegram would redeliver it forever.
 */
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import type { Refusal, SubmitResult, UpdateSubmitter } from "../admission/update-submitter.ts";
import type { HttpErrorCode } from "../errors/error-codes.ts";

export interface ForwardingSubmitterOptions {
  /** The service's base URL (GATEWAY_FORWARD_URL). */
  serviceUrl: string;
  /** BOT_NAME to BOT_INTERNAL_KEY. */
  keys: ReadonlyMap<string, string>;
  timeoutMs: number;
  retryAfterSeconds: number;
  logger: Logger;
}

/** Service answers that mean "not now": passed on to Telegram with the same code. */
const RETRYABLE_CODES = new Set<string>(["BACKLOG_FULL", "SHUTTING_DOWN", "BOT_UNAVAILABLE", "QUEUE_UNAVAILABLE"]);
/** Service answers that mean the gateway and the service disagree about a bot: fixable, so keep the update. */
const CONFIG_STATUSES = new Set([401, 403, 404]);

async function errorCodeOf(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    return typeof body.error?.code === "string" ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}

export class ForwardingSubmitter implements UpdateSubmitter {
  private readonly endpoint: string;

  constructor(private readonly options: ForwardingSubmitterOptions) {
    this.endpoint = new URL("internal/update", options.serviceUrl.endsWith("/") ? options.serviceUrl : `${options.serviceUrl}/`).href;
  }

  async submit(botName: string, update: Update): Promise<SubmitResult> {
    const { logger, retryAfterSeconds } = this.options;
    const key = this.options.keys.get(botName);
    if (key === undefined) return { refused: "forward-refused", code: "UNKNOWN_BOT", message: `no bot named ${JSON.stringify(botName)}` };
    const log = logger.child({ bot: botName, update_id: update.update_id });
    const unavailable = (message: string, code: HttpErrorCode = "BOT_UNAVAILABLE", seconds = retryAfterSeconds): Refusal => ({
      refused: "forward-refused",
      code,
      message: `${message}; Telegram will deliver the update again`,
      retryAfterSeconds: seconds,
    });

    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", "x-internal-key": key },
        body: JSON.stringify({ bot_name: botName, update }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      log.warn({ err: error, service: this.options.serviceUrl }, "service unreachable, update left with Telegram");
      return unavailable("the service could not be reached");
    }
    if (response.ok) {
      await response.body?.cancel();
      return "accepted";
    }
    const code = await errorCodeOf(response);
    if (response.status === 503 && code !== undefined && RETRYABLE_CODES.has(code)) {
      const retryAfter = Number(response.headers.get("retry-after"));
      log.info({ status: 503, code }, "service cannot take the update now, left with Telegram");
      return unavailable(`the service answered ${code}`, code as HttpErrorCode, Number.isInteger(retryAfter) && retryAfter > 0 ? retryAfter : retryAfterSeconds);
    }
    if (response.status >= 500) {
      log.warn({ status: response.status, code }, "service failed, update left with Telegram");
      return unavailable(`the service answered ${response.status}`);
    }
    if (CONFIG_STATUSES.has(response.status)) {
      log.error({ status: response.status, code }, "service refused this bot's name or internal key: check that the gateway and the service load the same bots; update left with Telegram");
      return unavailable(`the service refused the bot (${code ?? response.status})`);
    }
    // 400/413/415: the update itself is unacceptable; redelivering it would never help.
    log.error({ status: response.status, code }, "service rejected the update as invalid; answering Telegram 200 so it is not redelivered");
    return "accepted";
  }
}
