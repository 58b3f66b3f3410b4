/** Checks of an incoming update and of the `/internal/update` body, each failure a 400 with its own code. */
import type { Update } from "grammy/types";
import { RequestError } from "../errors/request-error.ts";

export interface UpdateRequest {
  botName: string;
  update: Update;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An update is a JSON object with an integer `update_id` (what Telegram always sends); its payload is grammY's to read. */
export function validateUpdate(update: unknown): Update {
  if (!isPlainObject(update)) throw new RequestError("INVALID_UPDATE", "update must be a JSON object");
  if (!Number.isSafeInteger(update.update_id)) throw new RequestError("INVALID_UPDATE", "update.update_id must be an integer");
  return update as unknown as Update;
}

export function validateUpdateRequest(body: unknown): UpdateRequest {
  if (!isPlainObject(body)) throw new RequestError("INVALID_BODY", "the body must be a JSON object {bot_name, update}");
  const botName = body.bot_name;
  if (typeof botName !== "string" || botName === "") throw new RequestError("INVALID_BOT_NAME", "bot_name must be a non-empty string");
  return { botName, update: validateUpdate(body.update) };
}
