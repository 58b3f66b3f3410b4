import { Composer } from "grammy";

export const ping = new Composer();

ping.command("ping", (ctx) => ctx.reply("pong"));
