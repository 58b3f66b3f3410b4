/**
 * One Bot API call, from request to answer: read and record it, take its fault (at arrival, so
 * rules are used up in arrival order whatever the delays), wait the latency, then answer with
 * 401 for a rejected token, the fault, getUpdates' held poll, or the method's result.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { BotCallExchange } from "./bot-call-exchange.ts";
import { answerFault } from "./fault-answers.ts";
import { answerGetUpdates } from "./get-updates.ts";
import { resultFor } from "./method-results.ts";
import { readBody } from "./request-body.ts";
import { parsePayload } from "./request-payload.ts";
import type { StandInState } from "./stand-in-state.ts";
import { telegramError } from "./telegram-answers.ts";

export async function handleBotCall(state: StandInState, req: IncomingMessage, res: ServerResponse, url: URL, rawToken: string, method: string): Promise<void> {
  const token = decodeToken(rawToken);
  const body = await readBody(req);
  const parsed = parsePayload(url, req.headers["content-type"], body);
  const call = state.calls.record(token, method, parsed.fields, parsed.files);
  const exchange = new BotCallExchange(call, req, res, state.shutdown);

  if (parsed.error !== undefined) {
    await state.shutdown.sleep(state.latencyMs);
    const { status, body: errorBody } = telegramError(400, parsed.error);
    exchange.answer(status, errorBody);
    return;
  }
  const rejected = state.faults.isRejected(token);
  const fault = rejected ? undefined : state.faults.take(call);
  if (fault !== undefined) call.fault = fault.kind;

  await state.shutdown.sleep(state.latencyMs);
  if (state.shutdown.closed) return;
  if (rejected) {
    const { status, body: errorBody } = telegramError(401, "Unauthorized");
    exchange.answer(status, errorBody);
    return;
  }
  if (fault !== undefined && (await answerFault(fault, exchange, state.shutdown))) return;

  if (method === "getUpdates") {
    await answerGetUpdates(state.tokens.get(token), exchange, state.shutdown);
    return;
  }
  const { status, body: resultBody } = resultFor(state, call);
  exchange.answer(status, resultBody);
}

/** The token as it was before URL encoding; a token that does not decode is taken as written. */
function decodeToken(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
