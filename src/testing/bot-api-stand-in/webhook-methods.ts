/**
 * setWebhook, deleteWebhook and getWebhookInfo, with Telegram's validation and wording. Delivery
 * to the webhook is webhook-delivery.ts.
 */
import { readAllowedUpdates } from "./allowed-updates.ts";
import { ok, telegramError, type TelegramAnswer } from "./telegram-answers.ts";
import type { TokenState } from "./token-state.ts";

const SECRET_TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;

export function setWebhook(state: TokenState, payload: Record<string, unknown>): TelegramAnswer {
  const url = payload["url"];
  if (typeof url !== "string") return telegramError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
  if (truthy(payload["drop_pending_updates"])) state.dropPending();
  if (url === "") {
    state.webhook = undefined;
    return { status: 200, body: { ok: true, result: true, description: "Webhook was deleted" } };
  }
  try {
    new URL(url);
  } catch {
    return telegramError(400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known");
  }
  const secret = payload["secret_token"];
  if (secret !== undefined && (typeof secret !== "string" || !SECRET_TOKEN_SHAPE.test(secret))) {
    return telegramError(400, "Bad Request: secret token contains unallowed characters");
  }
  const maxConnections = Number(payload["max_connections"] ?? 40);
  state.webhook = {
    url,
    secretToken: secret,
    maxConnections: Number.isInteger(maxConnections) ? Math.min(100, Math.max(1, maxConnections)) : 40,
    allowedUpdates: readAllowedUpdates(payload["allowed_updates"]),
    lastErrorDate: undefined,
    lastErrorMessage: undefined,
  };
  return { status: 200, body: { ok: true, result: true, description: "Webhook was set" } };
}

export function deleteWebhook(state: TokenState, payload: Record<string, unknown>): TelegramAnswer {
  state.webhook = undefined;
  if (truthy(payload["drop_pending_updates"])) state.dropPending();
  return { status: 200, body: { ok: true, result: true, description: "Webhook was deleted" } };
}

export function getWebhookInfo(state: TokenState): TelegramAnswer {
  const hook = state.webhook;
  const info: Record<string, unknown> = { url: hook?.url ?? "", has_custom_certificate: false, pending_update_count: state.queue.length };
  if (hook !== undefined) {
    info["max_connections"] = hook.maxConnections;
    if (hook.allowedUpdates.length > 0) info["allowed_updates"] = hook.allowedUpdates;
    if (hook.lastErrorDate !== undefined) info["last_error_date"] = hook.lastErrorDate;
    if (hook.lastErrorMessage !== undefined) info["last_error_message"] = hook.lastErrorMessage;
  }
  return ok(info);
}

/** A boolean parameter as JSON or a form body carries it. */
function truthy(value: unknown): boolean {
  return value === true || value === "true" || value === "1";
}
