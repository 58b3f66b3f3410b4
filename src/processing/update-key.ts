/**
 * What an update is about, read from its raw JSON: the ordering key (its chat, else its user),
 * its event type, and a few fields for logs and the journal. Works on any update type, present
 * or future, by looking for `chat`, `message.chat`, then `from`/`user` inside the payload.
 */
import type { Update } from "grammy/types";

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function idOf(value: unknown): number | string | undefined {
  const id = asObject(value)?.id;
  return typeof id === "number" || typeof id === "string" ? id : undefined;
}

export interface UpdateFacts {
  /** The first field besides update_id: "message", "callback_query", ... */
  eventType: string | undefined;
  chatId: number | string | undefined;
  userId: number | string | undefined;
  /** A short preview of the text or caption, for the journal. */
  textPreview: string | undefined;
}

const PREVIEW_LENGTH = 80;

/** The first 80 UTF-16 units, never ending in half a surrogate pair (an emoji cut in two). */
function preview(text: string): string {
  if (text.length <= PREVIEW_LENGTH) return text;
  const last = text.charCodeAt(PREVIEW_LENGTH - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? PREVIEW_LENGTH - 1 : PREVIEW_LENGTH);
}

export function readUpdateFacts(update: Update | Json): UpdateFacts {
  let eventType: string | undefined;
  for (const key in update) {
    if (key !== "update_id") {
      eventType = key;
      break;
    }
  }
  const payload = eventType === undefined ? undefined : asObject((update as Json)[eventType]);
  const message = asObject(payload?.message);
  const chatId = idOf(payload?.chat) ?? idOf(message?.chat) ?? idOf(payload?.voter_chat);
  const userId = idOf(payload?.from) ?? idOf(payload?.user) ?? idOf(message?.from);
  const text = payload?.text ?? payload?.caption ?? payload?.query ?? payload?.data;
  return {
    eventType,
    chatId,
    userId,
    textPreview: typeof text === "string" ? preview(text) : undefined,
  };
}

/** The key that orders updates: the chat, else the user (a private chat's id is its user's id). */
export function orderingKey(facts: UpdateFacts): string | undefined {
  const id = facts.chatId ?? facts.userId;
  return id === undefined ? undefined : String(id);
}
