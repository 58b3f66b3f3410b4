import { Composer } from "grammy";
import type { BotContext } from "clustered-bots";
import { isPrivateChat } from "../filters/is-private-chat.ts";
import { quizQuestion } from "../services/vocabulary.ts";

export const quiz = new Composer<BotContext>();

quiz.filter(isPrivateChat).command("quiz", (ctx) => {
  // ctx.env holds this bot's own .env values; no other bot sees them.
  const count = Number(ctx.env.WORDS_PER_QUIZ ?? "3");
  const questions = Array.from({ length: count }, (_, i) => quizQuestion(i + ctx.message!.message_id).prompt);
  return ctx.reply(`Quiz time!\n${questions.map((q, i) => `${i + 1}. ${q}`).join("\n")}`);
});

quiz.command("quiz", (ctx) => ctx.reply("Quizzes work in a private chat with me."));
