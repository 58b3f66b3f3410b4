import { Composer } from "grammy";
import { findWord, wordOfTheDay } from "../services/vocabulary.ts";

const word = new Composer();

word.command("word", (ctx) => {
  const w = wordOfTheDay();
  return ctx.reply(`Word of the day: ${w.word} — ${w.meaning}.\nExample: ${w.example}`);
});

// A plain word we know: explain it. Anything else goes on to the next handler.
word.on("message:text", async (ctx, next) => {
  const found = findWord(ctx.message.text);
  if (found === undefined) return next();
  await ctx.reply(`${found.word}: ${found.meaning}. Example: ${found.example}`);
});

export default word;
