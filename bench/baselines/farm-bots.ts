/**
 * What the baselines share: reading a farm's manifest and building plain grammY bots from the
 * farm's handler files, the way a user of grammY alone would write it (no ordering, no dedup,
 * no retries).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Bot, type Composer, type Context } from "grammy";
import pLimit from "p-limit";
import type { FarmBot } from "../lib/bot-farm.ts";

/** One grammY Bot per farm bot, handlers mounted in file-name order, getMe done. */
export async function buildGrammyBots(bots: readonly FarmBot[], apiRoot: string): Promise<Map<string, Bot>> {
  const built = new Map<string, Bot>();
  for (const farmBot of bots) {
    const bot = new Bot(farmBot.token, { client: { apiRoot } });
    const dir = path.join(farmBot.folder, "handlers");
    for (const file of readdirSync(dir).sort()) {
      const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: Composer<Context> };
      bot.use(module.default);
    }
    built.set(farmBot.name, bot);
  }
  const limit = pLimit(16);
  await Promise.all([...built.values()].map((bot) => limit(() => bot.init())));
  return built;
}
