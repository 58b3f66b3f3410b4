/**
 * Delivery of queued updates to a token's webhook, as Telegram does it: in order, with the secret
 * header, stopping at the first answer that is not 2xx, which stays pending and becomes
 * getWebhookInfo's last error. Every delivery is recorded.
 */
import { STATUS_CODES } from "node:http";
import { performance } from "node:perf_hooks";
import { updateAllowed } from "./allowed-updates.ts";
import type { Shutdown } from "./shutdown.ts";
import type { TokenState } from "./token-state.ts";

export interface WebhookDelivery {
  token: string;
  updateId: number;
  url: string;
  /** HTTP status the webhook answered; undefined when the connection failed. */
  status: number | undefined;
  /** Whether a secret header was sent. */
  secretSent: boolean;
  deliveredAt: number;
}

export interface DeliveryOptions {
  /** Sent instead of the webhook's secret; null sends none. */
  secret?: string | null;
  /** At most this many deliveries in this round; default: until the queue is empty. */
  max?: number;
}

/** How long one delivery may take before it counts as a failed connection. */
const DELIVERY_TIMEOUT_MS = 10_000;

export class WebhookDeliveries {
  private deliveries: WebhookDelivery[] = [];

  constructor(private readonly shutdown: Shutdown) {}

  /** One round of deliveries of `state`'s queue to its webhook; returns this round's deliveries. */
  async deliver(token: string, state: TokenState, options: DeliveryOptions = {}): Promise<WebhookDelivery[]> {
    const hook = state.webhook;
    if (hook === undefined) throw new Error("stand-in deliverWebhook: no webhook is set for this token");
    const round: WebhookDelivery[] = [];
    while (state.queue.length > 0 && round.length < (options.max ?? Infinity) && !this.shutdown.closed) {
      const update = state.queue[0] as Record<string, unknown>;
      if (!updateAllowed(update, hook.allowedUpdates)) {
        state.queue.shift();
        continue;
      }
      const secret = options.secret === undefined ? hook.secretToken : (options.secret ?? undefined);
      const status = await post(hook.url, update, secret);
      const delivery: WebhookDelivery = { token, updateId: update["update_id"] as number, url: hook.url, status, secretSent: secret !== undefined, deliveredAt: performance.now() };
      this.deliveries.push(delivery);
      round.push(delivery);
      if (status !== undefined && status >= 200 && status < 300) {
        // Only the delivered update leaves the queue; one pushed meanwhile stays behind it.
        if (state.queue[0] === update) state.queue.shift();
        continue;
      }
      hook.lastErrorDate = Math.floor(Date.now() / 1000);
      hook.lastErrorMessage = status === undefined ? "Connection refused" : `Wrong response from the webhook: ${status} ${STATUS_CODES[status] ?? ""}`.trim();
      break;
    }
    return round.map((d) => ({ ...d }));
  }

  /** Copies of every delivery so far. */
  list(filter: { token?: string } = {}): WebhookDelivery[] {
    return this.deliveries.filter((d) => filter.token === undefined || d.token === filter.token).map((d) => ({ ...d }));
  }

  reset(): void {
    this.deliveries = [];
  }
}

/** POSTs one update; the HTTP status, or undefined when the connection failed. */
async function post(url: string, update: Record<string, unknown>, secret: string | undefined): Promise<number | undefined> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (secret !== undefined) headers["x-telegram-bot-api-secret-token"] = secret;
  try {
    const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(update), signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}
