// Mounted last (name starts with z_): whatever no other handler took.
import { Composer } from "grammy";

export const fallback = new Composer();

fallback.on("message", (ctx) => ctx.reply("I did not get that. Try /word, /quiz or /help."));
