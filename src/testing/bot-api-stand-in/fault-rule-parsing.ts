/**
 * Validates a fault rule that arrived as JSON through the control API, with an error message per
 * field, because a rule from another process is not checked by the type system.
 */
import type { Fault, FaultRule } from "./fault-rules.ts";
import { BadRequest } from "./request-errors.ts";

/** Validates a FaultRule that arrived as JSON (control API); `times` may be "Infinity" or null there. */
export function parseFaultRule(value: Record<string, unknown>): FaultRule {
  const rule: FaultRule = { fault: parseFault(value["fault"]) };
  const { token, method, chatId, times } = value;
  if (token !== undefined) {
    if (typeof token !== "string") throw new BadRequest("token must be a string");
    rule.token = token;
  }
  if (method !== undefined) {
    if (typeof method !== "string") throw new BadRequest("method must be a string");
    rule.method = method;
  }
  if (chatId !== undefined) {
    if (typeof chatId !== "string" && typeof chatId !== "number") throw new BadRequest("chatId must be a number or string");
    rule.chatId = chatId;
  }
  // JSON has no Infinity: accept the string and null as the ways a caller could spell "always".
  if (times === "Infinity" || times === null) rule.times = Infinity;
  else if (times !== undefined) {
    if (typeof times !== "number" || !Number.isInteger(times) || times < 1) {
      throw new BadRequest('times must be a positive integer or "Infinity"');
    }
    rule.times = times;
  }
  return rule;
}

function parseFault(value: unknown): Fault {
  if (typeof value !== "object" || value === null) throw new BadRequest("fault must be an object");
  const f = value as Record<string, unknown>;
  const num = (key: string, required: boolean): number | undefined => {
    const v = f[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new BadRequest(`fault.${key} must be a number`);
    return v;
  };
  const httpStatus = (): number | undefined => {
    const status = num("status", false);
    if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 599)) {
      throw new BadRequest("fault.status must be an HTTP status (100-599)");
    }
    return status;
  };
  switch (f["kind"]) {
    case "too-many-requests":
      return { kind: "too-many-requests", retryAfterSeconds: num("retryAfterSeconds", true) ?? 0 };
    case "server-error": {
      const status = httpStatus();
      return status === undefined ? { kind: "server-error" } : { kind: "server-error", status };
    }
    case "non-json": {
      const status = httpStatus();
      return status === undefined ? { kind: "non-json" } : { kind: "non-json", status };
    }
    case "delay":
      return { kind: "delay", ms: num("ms", true) ?? 0 };
    case "drop-connection":
      return { kind: "drop-connection" };
    case "telegram-error": {
      const errorCode = num("errorCode", true) ?? 400;
      const description = f["description"];
      if (typeof description !== "string") throw new BadRequest("fault.description must be a string");
      const parameters = f["parameters"];
      if (parameters === undefined) return { kind: "telegram-error", errorCode, description };
      if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
        throw new BadRequest("fault.parameters must be an object");
      }
      return { kind: "telegram-error", errorCode, description, parameters: parameters as Record<string, unknown> };
    }
    default:
      throw new BadRequest("fault.kind is not a known fault kind");
  }
}
