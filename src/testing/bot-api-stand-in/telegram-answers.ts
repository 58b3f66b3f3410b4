/**
 * The envelopes Telegram answers with (`{ok: true, result}` and `{ok: false, error_code,
 * description, parameters}`, the HTTP status being the error code), and how they are written.
 */
import type { ServerResponse } from "node:http";

/** An answer decided but not yet written. */
export interface TelegramAnswer {
  status: number;
  body: unknown;
}

export function ok(result: unknown): TelegramAnswer {
  return { status: 200, body: { ok: true, result } };
}

export function telegramError(errorCode: number, description: string, parameters?: Record<string, unknown>): TelegramAnswer {
  const body: Record<string, unknown> = { ok: false, error_code: errorCode, description };
  if (parameters !== undefined) body["parameters"] = parameters;
  return { status: errorCode, body };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
