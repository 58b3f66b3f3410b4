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
 */

import { type IncomingMessage, type ServerResponse, createServer, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { readAllowedUpdates, updateAllowed } from "./allowed-updates.ts";
import { botUser } from "./bot-user.ts";
import { normaliseChatId } from "./chat-id.ts";
import { parseFaultRule } from "./fault-rule-parsing.ts";
import type { Fault, FaultRule } from "./fault-rules.ts";
import type { RecordedCall } from "./recorded-calls.ts";
import { readBody } from "./request-body.ts";
import { answerRequestError, BadRequest } from "./request-errors.ts";
import { parsePayload } from "./request-payload.ts";
import { ok, sendJson, telegramError } from "./telegram-answers.ts";

export { botIdFromToken, botUser } from "./bot-user.ts";
export { parseFaultRule } from "./fault-rule-parsing.ts";
export type { Fault, FaultRule } from "./fault-rules.ts";
export { parseMultipart } from "./multipart.ts";
export type { RecordedCall, RecordedFile } from "./recorded-calls.ts";

export interface BotApiStandInOptions {
  host?: string;
  port?: number;
  /** Added to every Bot API answer (faulted ones included), default 0. */
  latencyMs?: number;
  /**
   * Enforce a Telegram-like flood limit: more than this many messages to one chat of one token
   * within any second are answered 429 (retry_after 1). Default: no limit.
   */
  floodLimitPerChatPerSecond?: number;
}

export interface SentMessage {
  token: string;
  chatId: number | string;
  text: string;
  seq: number;
  receivedAt: number;
}

/** What setWebhook stored for a token, as getWebhookInfo reports it. */
export interface WebhookState {
  url: string;
  secretToken: string | undefined;
  maxConnections: number;
  allowedUpdates: string[];
  lastErrorDate: number | undefined;
  lastErrorMessage: string | undefined;
}

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

export interface BotApiStandIn {
  readonly apiRoot: string;
  readonly port: number;
  calls(filter?: { token?: string; method?: string }): RecordedCall[];
  sentMessages(filter?: { token?: string; chatId?: number | string }): SentMessage[];
  waitFor(predicate: (s: BotApiStandIn) => boolean, opts?: { timeoutMs?: number }): Promise<void>;
  injectFault(rule: FaultRule): void;
  rejectToken(token: string): void;
  /** Removes fault rules and rejected tokens. */
  clearFaults(): void;
  /** Forgets calls, sent messages, fault rules, rejected tokens and message-id counters. */
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

const CONTROL_PREFIX = "/__stand-in/";
/** `/bot<token>/<method>`, or `/bot<token>/test/<method>` which grammY builds for the test environment. */
const BOT_PATH = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z0-9_]+)\/?$/;
/** Telegram itself does not hold a long poll much beyond this. */
const MAX_LONG_POLL_SECONDS = 60;
const WAIT_FOR_POLL_MS = 5;
const SECRET_TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;

/** Per token: the update queue, the webhook, and the getUpdates request being held, if any. */
interface TokenState {
  queue: Array<Record<string, unknown>>;
  lastUpdateId: number;
  webhook: WebhookState | undefined;
  /** Ends the pending long poll with 409 (a newer getUpdates replaced it). */
  terminatePoll: (() => void) | undefined;
  /** Wake-ups of long polls waiting for an update. */
  waiters: Set<() => void>;
}

/** Methods whose result is the sent Message (sendChatAction is a `send*` that answers `true`). */
const MESSAGE_METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "sendAudio",
  "sendDocument",
  "sendVideo",
  "sendAnimation",
  "sendVoice",
  "sendVideoNote",
  "sendPaidMedia",
  "sendSticker",
  "sendLocation",
  "sendVenue",
  "sendContact",
  "sendPoll",
  "sendDice",
  "sendInvoice",
  "sendGame",
  "forwardMessage",
]);

const SERVER_ERROR_DESCRIPTIONS: Record<number, string> = {
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

interface PendingRule {
  rule: FaultRule;
  remaining: number;
}


export async function startBotApiStandIn(options: BotApiStandInOptions = {}): Promise<BotApiStandIn> {
  const host = options.host ?? "127.0.0.1";
  const latencyMs = Math.max(0, options.latencyMs ?? 0);

  let recorded: RecordedCall[] = [];
  let sent: SentMessage[] = [];
  let rules: PendingRule[] = [];
  const rejectedTokens = new Set<string>();
  /** Message ids are per chat in Telegram; keyed by token too so two bots never share a counter. */
  let messageIds = new Map<string, number>();
  let nextSeq = 1;
  let tokenStates = new Map<string, TokenState>();
  let deliveries: WebhookDelivery[] = [];
  /** Arrival times of the messages taken in the last second, per token and chat (flood limit). */
  let recentSends = new Map<string, number[]>();
  let closed = false;
  let closing: Promise<void> | undefined;
  const sockets = new Set<Socket>();
  /** Wake-ups of every pending sleep, so close() does not wait for delays and long polls. */
  const sleepers = new Set<() => void>();

  /** Resolves after `ms`, or at once when the stand-in closes. */
  function sleep(ms: number): Promise<void> {
    if (ms <= 0 || closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  function nextMessageId(token: string, chatId: number | string): number {
    const key = `${token}\u0000${String(chatId)}`;
    const id = (messageIds.get(key) ?? 0) + 1;
    messageIds.set(key, id);
    return id;
  }

  function tokenState(token: string): TokenState {
    let state = tokenStates.get(token);
    if (state === undefined) {
      state = { queue: [], lastUpdateId: 0, webhook: undefined, terminatePoll: undefined, waiters: new Set() };
      tokenStates.set(token, state);
    }
    return state;
  }

  /** Resolves when an update is pushed for `state`, after `ms`, on `wake()`, or when the stand-in closes. */
  function waitForUpdate(state: TokenState, ms: number): { done: Promise<void>; wake: () => void } {
    let wake = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      wake = (): void => {
        state.waiters.delete(wake);
        sleepers.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      state.waiters.add(wake);
      sleepers.add(wake);
    });
    return { done, wake };
  }

  function dropPending(state: TokenState): void {
    state.queue = [];
  }

  async function handleGetUpdates(call: RecordedCall, res: ServerResponse, answer: (status: number, payload: unknown) => void): Promise<void> {
    const state = tokenState(call.token);
    if (state.webhook !== undefined) {
      const { status, body } = telegramError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      answer(status, body);
      return;
    }
    // As with Telegram, a newer getUpdates ends the one still waiting; the older gets the 409.
    state.terminatePoll?.();
    const offset = Number(call.payload["offset"] ?? 0);
    if (Number.isInteger(offset) && offset > 0) state.queue = state.queue.filter((u) => (u.update_id as number) >= offset);
    else if (Number.isInteger(offset) && offset < 0) state.queue = state.queue.slice(offset);
    const allowed = readAllowedUpdates(call.payload["allowed_updates"]);
    state.queue = state.queue.filter((u) => updateAllowed(u, allowed));
    const limitRaw = Number(call.payload["limit"] ?? 100);
    const limit = Number.isInteger(limitRaw) && limitRaw >= 1 && limitRaw <= 100 ? limitRaw : 100;
    const timeout = Number(call.payload["timeout"] ?? 0);
    const deadline = performance.now() + (Number.isFinite(timeout) && timeout > 0 ? Math.min(timeout, MAX_LONG_POLL_SECONDS) * 1000 : 0);

    let terminated = false;
    let wakeSelf: (() => void) | undefined;
    const terminate = (): void => {
      terminated = true;
      wakeSelf?.();
    };
    state.terminatePoll = terminate;
    const gone = (): void => wakeSelf?.();
    res.once("close", gone);
    try {
      while (state.queue.length === 0 && !terminated && !closed && !res.destroyed) {
        const remaining = deadline - performance.now();
        if (remaining <= 0) break;
        const waiting = waitForUpdate(state, remaining);
        wakeSelf = waiting.wake;
        await waiting.done;
        wakeSelf = undefined;
      }
    } finally {
      res.off("close", gone);
      if (state.terminatePoll === terminate) state.terminatePoll = undefined;
    }
    if (closed || res.destroyed) return;
    if (terminated) {
      const { status, body } = telegramError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
      answer(status, body);
      return;
    }
    answer(200, { ok: true, result: state.queue.slice(0, limit) });
  }

  function setWebhook(token: string, payload: Record<string, unknown>): { status: number; body: unknown } {
    const state = tokenState(token);
    const url = payload["url"];
    if (typeof url !== "string") return telegramError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
    if (truthy(payload["drop_pending_updates"])) dropPending(state);
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

  function webhookInfo(token: string): Record<string, unknown> {
    const state = tokenState(token);
    const hook = state.webhook;
    const info: Record<string, unknown> = { url: hook?.url ?? "", has_custom_certificate: false, pending_update_count: state.queue.length };
    if (hook !== undefined) {
      info["max_connections"] = hook.maxConnections;
      if (hook.allowedUpdates.length > 0) info["allowed_updates"] = hook.allowedUpdates;
      if (hook.lastErrorDate !== undefined) info["last_error_date"] = hook.lastErrorDate;
      if (hook.lastErrorMessage !== undefined) info["last_error_message"] = hook.lastErrorMessage;
    }
    return info;
  }

  function takeFault(call: RecordedCall): Fault | undefined {
    const chatId = normaliseChatId(call.payload["chat_id"]);
    const index = rules.findIndex(({ rule }) => {
      if (rule.token !== undefined && rule.token !== call.token) return false;
      if (rule.method !== undefined && rule.method !== call.method) return false;
      // String() on both sides: chat ids from urlencoded or multipart bodies arrive as strings.
      if (rule.chatId !== undefined && (chatId === undefined || String(rule.chatId) !== String(chatId))) {
        return false;
      }
      return true;
    });
    const pending = rules[index];
    if (pending === undefined) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) rules.splice(index, 1);
    return pending.rule.fault;
  }

  function resultFor(call: RecordedCall): { status: number; body: unknown } {
    const { token, method, payload } = call;
    const bot = botUser(token);
    if (MESSAGE_METHODS.has(method) || method === "copyMessage" || method === "sendMediaGroup") {
      const chatId = normaliseChatId(payload["chat_id"]);
      if (chatId === undefined) return telegramError(400, "Bad Request: chat_id is empty");
      if (options.floodLimitPerChatPerSecond !== undefined) {
        const key = `${token}\u0000${String(chatId)}`;
        const recent = (recentSends.get(key) ?? []).filter((at) => at > call.receivedAt - 1000);
        if (recent.length >= options.floodLimitPerChatPerSecond) {
          call.fault = "too-many-requests";
          return telegramError(429, "Too Many Requests: retry after 1", { retry_after: 1 });
        }
        recent.push(call.receivedAt);
        recentSends.set(key, recent);
      }
      if (method === "sendMessage") {
        const text = payload["text"];
        if (typeof text !== "string" || text === "") {
          return telegramError(400, "Bad Request: message text is empty");
        }
      }
      const message = (): Record<string, unknown> => ({
        message_id: nextMessageId(token, chatId),
        date: Math.floor(Date.now() / 1000),
        chat: { id: chatId, type: "private" },
        from: bot,
      });
      if (method === "copyMessage") return ok({ message_id: nextMessageId(token, chatId) });
      if (method === "sendMediaGroup") {
        return ok(Array.from({ length: Math.max(1, mediaCount(payload["media"])) }, message));
      }
      const result = message();
      if (method === "sendMessage") {
        const text = payload["text"] as string;
        result["text"] = text;
        // Pushed before the answer is written, so a caller whose await resolved already sees it.
        sent.push({ token, chatId, text, seq: call.seq, receivedAt: call.receivedAt });
      } else if (typeof payload["caption"] === "string") {
        result["caption"] = payload["caption"];
      }
      return ok(result);
    }
    switch (method) {
      case "getMe":
        return ok(bot);
      case "setWebhook":
        return setWebhook(token, payload);
      case "deleteWebhook": {
        const state = tokenState(token);
        state.webhook = undefined;
        if (truthy(payload["drop_pending_updates"])) dropPending(state);
        return { status: 200, body: { ok: true, result: true, description: "Webhook was deleted" } };
      }
      case "getWebhookInfo":
        return ok(webhookInfo(token));
      default:
        return ok(true);
    }
  }

  async function handleBotCall(req: IncomingMessage, res: ServerResponse, url: URL, match: RegExpExecArray) {
    let token: string;
    try {
      token = decodeURIComponent(match[1] ?? "");
    } catch {
      token = match[1] ?? "";
    }
    const method = match[2] ?? "";
    const body = await readBody(req);
    const parsed = parsePayload(url, req.headers["content-type"], body);
    const call: RecordedCall = {
      token,
      method,
      payload: parsed.fields,
      receivedAt: performance.now(),
      seq: nextSeq++,
    };
    if (parsed.files.length > 0) call.files = parsed.files;
    recorded.push(call);

    const answer = (status: number, payload: unknown): void => {
      if (closed || res.destroyed) return;
      call.status = status;
      sendJson(res, status, payload);
    };

    if (parsed.error !== undefined) {
      await sleep(latencyMs);
      const { status, body: errorBody } = telegramError(400, parsed.error);
      answer(status, errorBody);
      return;
    }
    // Faults are taken at arrival, so rules are consumed in arrival order whatever the delays.
    const rejected = rejectedTokens.has(token);
    const fault = rejected ? undefined : takeFault(call);
    if (fault !== undefined) call.fault = fault.kind;

    await sleep(latencyMs);
    if (closed) return;
    if (rejected) {
      const { status, body: errorBody } = telegramError(401, "Unauthorized");
      answer(status, errorBody);
      return;
    }
    switch (fault?.kind) {
      case undefined:
        break;
      case "too-many-requests": {
        const { status, body: errorBody } = telegramError(
          429,
          `Too Many Requests: retry after ${fault.retryAfterSeconds}`,
          { retry_after: fault.retryAfterSeconds },
        );
        answer(status, errorBody);
        return;
      }
      case "server-error": {
        const status = fault.status ?? 500;
        const { body: errorBody } = telegramError(status, SERVER_ERROR_DESCRIPTIONS[status] ?? "Server Error");
        answer(status, errorBody);
        return;
      }
      case "non-json": {
        const status = fault.status ?? 502;
        call.status = status;
        // What a reverse proxy in front of the Bot API answers when the backend is gone.
        const title = `${status} ${SERVER_ERROR_DESCRIPTIONS[status] ?? "Bad Gateway"}`;
        const html = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
        res.writeHead(status, { "content-type": "text/html", "content-length": Buffer.byteLength(html) });
        res.end(html);
        return;
      }
      case "delay":
        await sleep(fault.ms);
        if (closed) return;
        break;
      case "drop-connection":
        req.socket.destroy();
        return;
      case "telegram-error": {
        const status = fault.errorCode >= 400 && fault.errorCode <= 599 ? fault.errorCode : 400;
        const { body: errorBody } = telegramError(fault.errorCode, fault.description, fault.parameters);
        answer(status, errorBody);
        return;
      }
    }

    if (method === "getUpdates") {
      await handleGetUpdates(call, res, answer);
      return;
    }
    const { status, body: resultBody } = resultFor(call);
    answer(status, resultBody);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const action = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, "");
    const body = await readBody(req);
    const route = `${req.method ?? "GET"} ${action}`;
    switch (route) {
      case "GET calls":
        sendJson(res, 200, standIn.calls(filterFromQuery(url)));
        return;
      case "GET sent-messages":
        sendJson(res, 200, standIn.sentMessages(filterFromQuery(url)));
        return;
      case "POST faults":
        standIn.injectFault(parseFaultRule(parseJsonObject(body)));
        break;
      case "POST reject-token": {
        const token = parseJsonObject(body)["token"];
        if (typeof token !== "string" || token === "") throw new BadRequest("token must be a non-empty string");
        standIn.rejectToken(token);
        break;
      }
      case "POST clear-faults":
        standIn.clearFaults();
        break;
      case "POST reset":
        standIn.reset();
        break;
      case "POST push-update": {
        const { token, update } = parseJsonObject(body);
        if (typeof token !== "string" || token === "") throw new BadRequest("token must be a non-empty string");
        if (typeof update !== "object" || update === null || Array.isArray(update)) throw new BadRequest("update must be an object");
        sendJson(res, 200, { ok: true, result: standIn.pushUpdate(token, update as Record<string, unknown>) });
        return;
      }
      case "POST deliver-webhook": {
        const { token } = parseJsonObject(body);
        if (typeof token !== "string" || token === "") throw new BadRequest("token must be a non-empty string");
        if (standIn.webhook(token) === undefined) throw new BadRequest("no webhook is set for this token");
        sendJson(res, 200, { ok: true, result: await standIn.deliverWebhook(token) });
        return;
      }
      case "GET webhook-deliveries":
        sendJson(res, 200, standIn.webhookDeliveries(filterFromQuery(url)));
        return;
      default:
        sendJson(res, 404, { ok: false, error_code: 404, description: `Not Found: no control route ${route}` });
        return;
    }
    sendJson(res, 200, { ok: true });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in.invalid");
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      await handleControl(req, res, url);
      return;
    }
    const match = BOT_PATH.exec(url.pathname);
    if (match === null) {
      await readBody(req);
      await sleep(latencyMs);
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    await handleBotCall(req, res, url, match);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => answerRequestError(res, error));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // A client that sends garbage must not take the server down; Node answers 400 and closes.
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("stand-in: server has no TCP address");
  const port = address.port;
  const apiRoot = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const standIn: BotApiStandIn = {
    apiRoot,
    port,
    calls(filter = {}) {
      return recorded
        .filter((c) => filter.token === undefined || c.token === filter.token)
        .filter((c) => filter.method === undefined || c.method === filter.method)
        .map((c) => ({ ...c }));
    },
    sentMessages(filter = {}) {
      return sent
        .filter((m) => filter.token === undefined || m.token === filter.token)
        .filter((m) => filter.chatId === undefined || String(m.chatId) === String(filter.chatId))
        .sort((a, b) => a.seq - b.seq)
        .map((m) => ({ ...m }));
    },
    async waitFor(predicate, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 5000;
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (predicate(standIn)) return;
        if (performance.now() >= deadline) {
          throw new Error(`stand-in waitFor: condition not met within ${timeoutMs} ms (${summariseCalls(recorded)})`);
        }
        await new Promise((resolve) => setTimeout(resolve, WAIT_FOR_POLL_MS));
      }
    },
    injectFault(rule) {
      const times = rule.times ?? 1;
      if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
        throw new RangeError(`stand-in fault rule: times must be a positive integer or Infinity, got ${times}`);
      }
      rules.push({ rule: { ...rule }, remaining: times });
    },
    rejectToken(token) {
      rejectedTokens.add(token);
    },
    clearFaults() {
      rules = [];
      rejectedTokens.clear();
    },
    reset() {
      recorded = [];
      sent = [];
      rules = [];
      rejectedTokens.clear();
      messageIds = new Map();
      for (const state of tokenStates.values()) {
        state.terminatePoll?.();
        for (const wake of [...state.waiters]) wake();
      }
      tokenStates = new Map();
      deliveries = [];
      recentSends = new Map();
    },
    pushUpdate(token, update) {
      const state = tokenState(token);
      const given = update["update_id"];
      const updateId = typeof given === "number" && Number.isSafeInteger(given) ? given : state.lastUpdateId + 1;
      state.lastUpdateId = Math.max(state.lastUpdateId, updateId);
      const queued = { ...update, update_id: updateId };
      state.queue.push(queued);
      for (const wake of [...state.waiters]) wake();
      return { ...queued };
    },
    pendingUpdates(token) {
      return (tokenStates.get(token)?.queue ?? []).map((u) => ({ ...u }));
    },
    webhook(token) {
      const hook = tokenStates.get(token)?.webhook;
      return hook === undefined ? undefined : { ...hook, allowedUpdates: [...hook.allowedUpdates] };
    },
    async deliverWebhook(token, options = {}) {
      const state = tokenState(token);
      const hook = state.webhook;
      if (hook === undefined) throw new Error("stand-in deliverWebhook: no webhook is set for this token");
      const round: WebhookDelivery[] = [];
      while (state.queue.length > 0 && round.length < (options.max ?? Infinity) && !closed) {
        const update = state.queue[0] as Record<string, unknown>;
        if (!updateAllowed(update, hook.allowedUpdates)) {
          state.queue.shift();
          continue;
        }
        const secret = options.secret === undefined ? hook.secretToken : (options.secret ?? undefined);
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (secret !== undefined) headers["x-telegram-bot-api-secret-token"] = secret;
        let status: number | undefined;
        try {
          const response = await fetch(hook.url, { method: "POST", headers, body: JSON.stringify(update), signal: AbortSignal.timeout(10_000) });
          status = response.status;
          await response.arrayBuffer();
        } catch {
          status = undefined;
        }
        const delivery: WebhookDelivery = { token, updateId: update["update_id"] as number, url: hook.url, status, secretSent: secret !== undefined, deliveredAt: performance.now() };
        deliveries.push(delivery);
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
    },
    webhookDeliveries(filter = {}) {
      return deliveries.filter((d) => filter.token === undefined || d.token === filter.token).map((d) => ({ ...d }));
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        closed = true;
        for (const wake of [...sleepers]) wake();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // server.close() alone waits for keep-alive sockets to time out; nobody needs them any more.
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return standIn;
}


function truthy(value: unknown): boolean {
  return value === true || value === "true" || value === "1";
}

function mediaCount(media: unknown): number {
  if (Array.isArray(media)) return media.length;
  if (typeof media === "string") {
    try {
      const parsed: unknown = JSON.parse(media);
      if (Array.isArray(parsed)) return parsed.length;
    } catch {
      // Not JSON: Telegram would reject it, one message is as good an answer as any here.
    }
  }
  return 1;
}

function summariseCalls(calls: readonly RecordedCall[]): string {
  if (calls.length === 0) return "no calls recorded";
  const byMethod = new Map<string, number>();
  for (const c of calls) byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
  const parts = [...byMethod].map(([method, n]) => `${method}×${n}`);
  return `${calls.length} calls recorded: ${parts.join(", ")}`;
}

function filterFromQuery(url: URL): { token?: string; method?: string; chatId?: string } {
  const filter: { token?: string; method?: string; chatId?: string } = {};
  const token = url.searchParams.get("token");
  const method = url.searchParams.get("method");
  const chatId = url.searchParams.get("chatId");
  if (token !== null) filter.token = token;
  if (method !== null) filter.method = method;
  if (chatId !== null) filter.chatId = chatId;
  return filter;
}


function parseJsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.length === 0 ? "{}" : body.toString("utf8"));
  } catch {
    throw new BadRequest("body is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new BadRequest("body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}