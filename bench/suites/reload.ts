/**
 * Live reload under load: the service with 1000 bots (embedded default, BOTS_WATCH on, as shipped)
 * takes a paced load spread over every bot but one, while that one bot's handler file is changed
 * every second, so the watcher reloads it about once a second for the whole measurement (a minute
 * by default). The baseline is the same service, same load, with no file changed. Rounds
 * alternate the two (B A B A ...), on one service process, so both sides see the same warm
 * process. Reported: the other bots' latency (p50, p99), what they handled, and how many reloads
 * of the changed bot were done (its `version` in /readyz).
 */
import { appendFileSync } from "node:fs";
import path from "node:path";
import { createBotFarm } from "../lib/bot-farm.ts";
import type { ResultRow, SuiteResult } from "../lib/report.ts";
import { spreadOf } from "../lib/stats.ts";
import { startService, startStandIn, waitBotsReady } from "../lib/systems.ts";
import { measureDelivery, serviceTargets, type Measurement } from "./end-to-end.ts";
import type { SuiteContext } from "./suite-context.ts";

const BOTS = 1000;
/** 300/s over 999 bots and 10,000 chats: 0.3/s per bot and 0.03/s per chat, inside Telegram's limits (flood control measures nothing here). */
const RATE = 300;
const SECONDS = 60;
const CHANGE_EVERY_MS = 1000;
/** The other bots' p99 with reloads may be at most this times the p99 without. */
const P99_RATIO_TARGET = 1.5;

async function versionOf(url: string, folder: string): Promise<number> {
  const body = (await (await fetch(`${url}/readyz`)).json()) as { fleet?: Array<{ folder: string; version: number }> };
  return body.fleet?.find((f) => f.folder === folder)?.version ?? 0;
}

export async function runReload(ctx: SuiteContext): Promise<SuiteResult> {
  const { options } = ctx;
  const bots = options.quick ? 20 : BOTS;
  const seconds = options.quick ? options.durationSeconds : Math.max(SECONDS, options.durationSeconds);
  const rate = options.quick ? Math.min(RATE, options.rates[0] ?? RATE) : RATE;
  const measured = { ...ctx, options: { ...options, durationSeconds: seconds } };
  const standIn = await startStandIn();
  const farm = createBotFarm(bots);
  const [changed, ...others] = farm.bots;
  if (changed === undefined) throw new Error("the farm has no bot");
  const changedFile = path.join(changed.folder, "handlers", "z_fallback.ts");
  const service = await startService(farm, standIn.client.apiRoot, { timeoutMs: 600_000, nodeFlags: ctx.serviceNodeFlags("reload") });
  const withReloads: Measurement[] = [];
  const without: Measurement[] = [];
  const reloads: number[] = [];
  const clock = { uncertaintyMs: Number.NaN };
  try {
    await waitBotsReady(service.url, bots, 600_000);
    clock.uncertaintyMs = (await standIn.client.calibrate()).uncertaintyMs;
    const side = { name: "service", url: service.url, targets: serviceTargets(others), pids: [service.child.pid] };
    let idBase = 1;
    for (let round = 1; round <= options.rounds; round++) {
      const before = await versionOf(service.url, path.basename(changed.folder));
      let edits = 0;
      const editor = setInterval(() => appendFileSync(changedFile, `// edit ${++edits}\n`), CHANGE_EVERY_MS);
      let a: Measurement;
      try {
        a = await measureDelivery(measured, standIn, side, rate, idBase);
      } finally {
        clearInterval(editor);
      }
      idBase += 10_000_000;
      // The last edit's reload ends before the baseline starts.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const done = (await versionOf(service.url, path.basename(changed.folder))) - before;
      const b = await measureDelivery(measured, standIn, side, rate, idBase);
      idBase += 10_000_000;
      withReloads.push(a);
      without.push(b);
      reloads.push(done);
      ctx.log(`reload round ${round}: ${edits} edits, ${done} reloads; other bots' p99 ${a.stats.p99Ms.toFixed(1)} ms with reloads, ${b.stats.p99Ms.toFixed(1)} ms without`);
    }
  } finally {
    await service.child.stop(30_000);
    await standIn.child.stop();
    farm.cleanup();
  }
  const scenario = `${bots} bots, ${rate}/s to ${bots - 1}, 1 bot changed every ${CHANGE_EVERY_MS / 1000} s`;
  const p99 = spreadOf(withReloads.map((m) => m.stats.p99Ms));
  const baseP99 = spreadOf(without.map((m) => m.stats.p99Ms));
  const ratio = p99.median / Math.max(0.001, baseP99.median);
  const rows: ResultRow[] = [
    { scenario, metric: "other bots' latency p50", unit: "ms", ours: spreadOf(withReloads.map((m) => m.stats.p50Ms)), baseline: spreadOf(without.map((m) => m.stats.p50Ms)) },
    { scenario, metric: "other bots' latency p99", unit: "ms", ours: p99, baseline: baseP99, ratio, target: { text: `p99 <= ${P99_RATIO_TARGET} x no reloads`, met: ratio <= P99_RATIO_TARGET } },
    { scenario, metric: "handled / requests answered", unit: "share", ours: spreadOf(withReloads.map((m) => (m.sent === 0 ? 0 : m.stats.handled / m.sent))), baseline: spreadOf(without.map((m) => (m.sent === 0 ? 0 : m.stats.handled / m.sent))) },
    { scenario, metric: "reloads of the changed bot per measurement", unit: "reloads", ours: spreadOf(reloads) },
    { scenario, metric: "server CPU per handled update", unit: "us", ours: spreadOf(withReloads.map((m) => m.cpuUsPerUpdate)), baseline: spreadOf(without.map((m) => m.cpuUsPerUpdate)) },
  ];
  return {
    suite: "reload",
    baseline: "the same service and load with no file changed (alternated rounds, one process)",
    rows,
    notes: [
      `${seconds} s per measurement; the changed bot gets no load, so the latency is the other bots' (stand-in arrival of the reply - the update's due send time, clock offset ±${clock.uncertaintyMs.toFixed(2)} ms); CPU per update includes the reloads' own work.`,
      "Reloads per measurement < edits: edits within BOTS_WATCH_DEBOUNCE_MS (300 ms) of each other, or during a reload, are coalesced into one.",
    ],
  };
}
