/**
 * A stand-in for the Telegram Bot API: a real HTTP server on 127.0.0.1 that grammY can be pointed at
 * (`client: { apiRoot: standIn.apiRoot }`), so tests, the demo and the benchmarks exercise the real
 * network path (keep-alive agent, JSON and multipart bodies, error mapping) without Telegram.
 *
 * It records every call, answers like Telegram does (same envelopes, same HTTP statuses), and can be
 * told to misbehave in each way the real API or the network does (429 with retry_after, 5xx, HTML
 * from a proxy, slowness, dropped sockets, arbitrary Telegram errors, revoked tokens). A small
 * control API under `/__stand-in/` lets a test drive a stand-in that runs in another process.
 *
 * Updates can flow to bots as with Telegram: a test pushes them into a per-token queue, and they
 * come out through getUpdates (offset confirmation, `timeout` long polls, 409 while a webhook is
 * set or when a newer getUpdates replaces a pending one) or through webhook delivery to the URL
 * set with setWebhook (with the X-Telegram-Bot-Api-Secret-Token header), whose HTTP status is
 * recorded; getWebhookInfo reports the URL, pending count and last error.
 *
 * Tokens are test secrets: nothing here writes them to the console, and error messages built here
 * never include them.
 *
 * This module is the stand-in's public surface: the handle a test holds, and how to start one.
 */
import { performance } from "node:perf_hooks";
import type { FaultRule } from "./fault-rules.ts";
import { StandInHttpServer } from "./http-server.ts";
import type { RecordedCall } from "./recorded-calls.ts";
import { handleRequest } from "./routing.ts";
import type { SentMessage } from "./sent-messages.ts";
import type { BotApiStandInOptions } from "./stand-in-options.ts";
import { StandInState } from "./stand-in-state.ts";
import type { WebhookState } from "./token-state.ts";
import type { WebhookDelivery } from "./webhook-delivery.ts";

export { botIdFromToken, botUser } from "./bot-user.ts";
export { parseFaultRule } from "./fault-rule-parsing.ts";
export type { Fault, FaultRule } from "./fault-rules.ts";
export { parseMultipart } from "./multipart.ts";
export type { RecordedCall, RecordedFile } from "./recorded-calls.ts";
export type { SentMessage } from "./sent-messages.ts";
export type { BotApiStandInOptions } from "./stand-in-options.ts";
export type { WebhookState } from "./token-state.ts";
export type { WebhookDelivery } from "./webhook-delivery.ts";

export interface BotApiStandIn {
  readonly apiRoot: string;
  readonly port: number;
  /** `https://<host>:<port>` of the HTTPS listener when started with `fileTls`, else undefined. */
  readonly fileRoot: string | undefined;
  calls(filter?: { token?: string; method?: string }): RecordedCall[];
  sentMessages(filter?: { token?: string; chatId?: number | string }): SentMessage[];
  waitFor(predicate: (s: BotApiStandIn) => boolean, opts?: { timeoutMs?: number }): Promise<void>;
  injectFault(rule: FaultRule): void;
  rejectToken(token: string): void;
  /** Removes fault rules and rejected tokens. */
  clearFaults(): void;
  /**
   * Forgets calls, sent messages, fault rules, rejected tokens, message-id counters, update queues,
   * webhooks, webhook deliveries and flood-limit counts; a getUpdates still held ends with 409.
   */
  reset(): void;
  /**
   * Queues an update for a token, as Telegram does when a user writes to the bot. Without an
   * `update_id` one is given (one more than the last). Returns the update as queued.
   */
  pushUpdate(token: string, update: Record<string, unknown>): Record<string, unknown>;
  /** Updates queued and not yet confirmed (getUpdates offset) or delivered (webhook 2xx). */
  pendingUpdates(token: string): Array<Record<string, unknown>>;
  /** The webhook set for a token, if any. */
  webhook(token: string): WebhookState | undefined;
  /**
   * Delivers the token's pending updates in order to its webhook, with its secret (or `secret`
   * instead: a string, or null for none). Stops at the first answer that is not 2xx, which stays
   * pending and becomes getWebhookInfo's last error, as with Telegram. Returns this round's deliveries.
   */
  deliverWebhook(token: string, options?: { secret?: string | null; max?: number }): Promise<WebhookDelivery[]>;
  /** Every webhook delivery so far. */
  webhookDeliveries(filter?: { token?: string }): WebhookDelivery[];
  close(): Promise<void>;
}

const WAIT_FOR_POLL_MS = 5;

export async function startBotApiStandIn(options: BotApiStandInOptions = {}): Promise<BotApiStandIn> {
  const host = options.host ?? "127.0.0.1";
  const state = new StandInState(options);
  const server = new StandInHttpServer((req, res) => handleRequest(state, req, res));
  const port = await server.listen(options.port ?? 0, host);
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const apiRoot = `http://${hostPart}:${port}`;
  const tlsServer = options.fileTls === undefined ? undefined : new StandInHttpServer((req, res) => handleRequest(state, req, res), options.fileTls);
  const fileRoot = tlsServer === undefined ? undefined : `https://${hostPart}:${await tlsServer.listen(0, host)}`;
  let closing: Promise<void> | undefined;

  // A plain object whose methods close over the state, so they work unbound too.
  const standIn: BotApiStandIn = {
    apiRoot,
    port,
    fileRoot,
    calls: (filter) => state.calls.list(filter),
    sentMessages: (filter) => state.sent.list(filter),
    async waitFor(predicate, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 20_000;
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (predicate(standIn)) return;
        if (performance.now() >= deadline) {
          throw new Error(`stand-in waitFor: condition not met within ${timeoutMs} ms (${state.calls.summary()})`);
        }
        await new Promise((resolve) => setTimeout(resolve, WAIT_FOR_POLL_MS));
      }
    },
    injectFault: (rule) => state.faults.inject(rule),
    rejectToken: (token) => state.faults.rejectToken(token),
    clearFaults: () => state.faults.clear(),
    reset: () => state.reset(),
    pushUpdate: (token, update) => state.tokens.get(token).push(update),
    pendingUpdates: (token) => (state.tokens.find(token)?.queue ?? []).map((u) => ({ ...u })),
    webhook(token) {
      const hook = state.tokens.find(token)?.webhook;
      return hook === undefined ? undefined : { ...hook, allowedUpdates: [...hook.allowedUpdates] };
    },
    deliverWebhook: (token, deliveryOptions) => state.deliveries.deliver(token, state.tokens.get(token), deliveryOptions),
    webhookDeliveries: (filter) => state.deliveries.list(filter),
    close() {
      closing ??= (() => {
        state.shutdown.close();
        return Promise.all([server.close(), tlsServer?.close()]).then(() => undefined);
      })();
      return closing;
    },
  };
  return standIn;
}
