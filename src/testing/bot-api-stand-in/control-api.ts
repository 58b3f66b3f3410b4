/**
 * The control API under `/__stand-in/`: what a test or benchmark in another process uses to read
 * the recorded calls, inject faults, push updates and reset, over plain HTTP and JSON.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseFaultRule } from "./fault-rule-parsing.ts";
import { readBody } from "./request-body.ts";
import { BadRequest } from "./request-errors.ts";
import type { StandInState } from "./stand-in-state.ts";
import { sendJson } from "./telegram-answers.ts";

export const CONTROL_PREFIX = "/__stand-in/";

export async function handleControl(state: StandInState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const action = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, "");
  const body = await readBody(req);
  const route = `${req.method ?? "GET"} ${action}`;
  switch (route) {
    case "GET calls":
      sendJson(res, 200, state.calls.list(filterFromQuery(url)));
      return;
    case "GET sent-messages":
      sendJson(res, 200, state.sent.list(filterFromQuery(url)));
      return;
    case "POST faults":
      state.faults.inject(parseFaultRule(parseJsonObject(body)));
      break;
    case "POST reject-token":
      state.faults.rejectToken(requireToken(parseJsonObject(body)));
      break;
    case "POST clear-faults":
      state.faults.clear();
      break;
    case "POST reset":
      state.reset();
      break;
    case "POST push-update": {
      const request = parseJsonObject(body);
      const token = requireToken(request);
      const update = request["update"];
      if (typeof update !== "object" || update === null || Array.isArray(update)) throw new BadRequest("update must be an object");
      sendJson(res, 200, { ok: true, result: state.tokens.get(token).push(update as Record<string, unknown>) });
      return;
    }
    case "POST deliver-webhook": {
      const token = requireToken(parseJsonObject(body));
      if (state.tokens.find(token)?.webhook === undefined) throw new BadRequest("no webhook is set for this token");
      sendJson(res, 200, { ok: true, result: await state.deliveries.deliver(token, state.tokens.get(token)) });
      return;
    }
    case "GET webhook-deliveries":
      sendJson(res, 200, state.deliveries.list(filterFromQuery(url)));
      return;
    default:
      sendJson(res, 404, { ok: false, error_code: 404, description: `Not Found: no control route ${route}` });
      return;
  }
  sendJson(res, 200, { ok: true });
}

function requireToken(request: Record<string, unknown>): string {
  const token = request["token"];
  if (typeof token !== "string" || token === "") throw new BadRequest("token must be a non-empty string");
  return token;
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
