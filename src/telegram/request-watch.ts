/**
 * A grammY API transformer that tells a listener how every request to the Bot API ended: `ok`,
 * `429` (with its retry_after), another `4xx`, a `5xx`, or `network` (no answer). Installed
 * innermost, next to the network, so each retry of a call counts as the request it is.
 */
import type { Transformer } from "grammy";

export type TelegramOutcome = "ok" | "429" | "4xx" | "5xx" | "network";

export type TelegramRequestListener = (method: string, outcome: TelegramOutcome, retryAfterSeconds: number | undefined) => void;

export function requestWatchTransformer(listener: TelegramRequestListener): Transformer {
  return async (prev, method, payload, signal) => {
    let response;
    try {
      response = await prev(method, payload, signal);
    } catch (error) {
      listener(method, "network", undefined);
      throw error;
    }
    if (response.ok) listener(method, "ok", undefined);
    else if (response.error_code === 429) listener(method, "429", response.parameters?.retry_after);
    else listener(method, response.error_code >= 500 ? "5xx" : "4xx", undefined);
    return response;
  };
}
