/**
 * The stand-in's own request errors (not Telegram's: those are answers, see telegram-answers.ts),
 * and the one place that turns an error thrown while handling a request into an HTTP answer.
 */
import type { ServerResponse } from "node:http";
import { sendJson } from "./telegram-answers.ts";

/** A control API request the stand-in cannot act on; answered 400 with the message. */
export class BadRequest extends Error {}

/** A body over the stand-in's size limit; answered 413. */
export class PayloadTooLarge extends Error {}

export function answerRequestError(res: ServerResponse, error: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  if (error instanceof BadRequest) {
    sendJson(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${error.message}` });
  } else if (error instanceof PayloadTooLarge) {
    sendJson(res, 413, { ok: false, error_code: 413, description: "Request Entity Too Large" });
  } else {
    // The message only: a stack or a request dump could carry the token in a URL.
    const message = error instanceof Error ? error.message : "unknown error";
    sendJson(res, 500, { ok: false, error_code: 500, description: `Stand-in failure: ${message}` });
  }
}
