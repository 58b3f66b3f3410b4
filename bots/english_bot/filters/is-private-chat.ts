// Quizzes only make sense one to one: this filter lets through private chats only.
import type { Context } from "grammy";

export function isPrivateChat(ctx: Context): boolean {
  return ctx.chat?.type === "private";
}
