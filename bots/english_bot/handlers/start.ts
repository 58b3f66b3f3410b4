import { Composer } from "grammy";

export const start = new Composer();

start.command("start", (ctx) =>
  ctx.reply("Hi! I help you practise English.\n/word — word of the day\n/quiz — a quick quiz\nOr send me any English word."),
);

start.command("help", (ctx) => ctx.reply("Commands: /word, /quiz. Send a word to see its meaning."));
