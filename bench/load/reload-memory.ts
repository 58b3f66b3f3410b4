/**
 * What live reload costs in memory: one service in this process (embedded default, the Bot API
 * stand-in beside it), a bot of three handler files and a services module reloaded N times with a
 * changed handler each time, one update answered after each reload (the new version serves). Every
 * `--every` reloads: a full GC, then heap used and RSS. Node keeps every ES module it imported for
 * the life of the process, so each reload's modules stay: the slope is the cost of one reload.
 *
 *   node --expose-gc --import tsx bench/load/reload-memory.ts [--reloads 200] [--every 20]
 *
 * Prints one line per sample and a JSON summary (per-reload growth of heap and RSS, least squares).
 */
import { appendFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { registerBotModuleResolver } from "../../src/bots/register-bot-module-resolver.ts";
import { composerSource, createBotsDir, simpleBot } from "../../src/testing/bot-fixtures.ts";
import { startTestService, textUpdate } from "../../src/testing/service-harness.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

const { values } = parseArgs({ options: { reloads: { type: "string", default: "200" }, every: { type: "string", default: "20" } } });
const reloads = Number(values.reloads);
const every = Number(values.every);

const pricing = `export const price = (n: number): number => n * 3;\n`;
const bot = {
  ...simpleBot("Reloaded", {
    "a_start.ts": composerSource(`c.command("start", (ctx) => ctx.reply("welcome"));`),
    "b_price.ts": composerSource(`import { price } from "../services/pricing.ts";\nc.hears(/^price (\\d+)$/, (ctx) => ctx.reply(String(price(Number(ctx.match[1])))));`),
    "z_fallback.ts": composerSource(`c.on("message:text", (ctx) => ctx.reply("echo " + ctx.message.text));`),
  }),
  "services/pricing.ts": pricing,
};

function sample(done: number): { reloads: number; heapMB: number; rssMB: number } {
  gc?.();
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { reloads: done, heapMB: heapUsed / 2 ** 20, rssMB: rss / 2 ** 20 };
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  // The module hooks of `npm start`, so the bot's services module is reloaded with its handlers.
  const botsDir = createBotsDir({ reloaded: bot });
  registerBotModuleResolver(botsDir.dir);
  const t = await startTestService({ bots: {}, botsDir, env: { BOTS_WATCH: "false", LOG_LEVEL: "warn" } });
  const handler = path.join(t.bots.dir, "reloaded", "handlers", "z_fallback.ts");
  const samples = [sample(0)];
  process.stdout.write(`reloads 0: heap ${samples[0]?.heapMB.toFixed(1)} MB, RSS ${samples[0]?.rssMB.toFixed(1)} MB\n`);
  try {
    for (let i = 1; i <= reloads; i++) {
      appendFileSync(handler, `// edit ${i}\n`);
      await t.service.fleet.reloadFolder("reloaded");
      const posted = await t.postUpdate("Reloaded", textUpdate(i, 1 + (i % 50), `r${i}`));
      if (posted.status !== 200) throw new Error(`update ${i}: ${posted.status}`);
      if (i % every === 0) {
        await t.idle();
        const s = sample(i);
        samples.push(s);
        process.stdout.write(`reloads ${i}: heap ${s.heapMB.toFixed(1)} MB, RSS ${s.rssMB.toFixed(1)} MB\n`);
      }
    }
    await t.idle();
    const answered = t.standIn.sentMessages().filter((m) => m.text.startsWith("echo r")).length;
    const heapKBPerReload = slope(samples.map((s) => [s.reloads, s.heapMB * 1024]));
    const rssKBPerReload = slope(samples.map((s) => [s.reloads, s.rssMB * 1024]));
    process.stdout.write(`${JSON.stringify({ reloads, answered, heapKBPerReload: Math.round(heapKBPerReload), rssKBPerReload: Math.round(rssKBPerReload), first: samples[0], last: samples.at(-1) })}\n`);
  } finally {
    await t.close();
  }
}

await main();
