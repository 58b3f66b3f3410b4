/**
 * Part 4, bot count: time to ready and resident memory of the service with N generated bots of 3
 * handler files each, against the same service with no bot at all (the baseline of memory per
 * bot). Each start is a fresh process; counts alternate with the empty service every round.
 *
 * Time to ready is measured from spawn to every bot's getMe done (`/readyz`); "started" is when
 * `/healthz` first answers (bots imported, HTTP listening). RSS is read from /proc one second after
 * ready, so the startup garbage has had a chance to be collected, and again 10 s after ready on
 * first starts: the watcher of BOTS_DIR starts once intake listens and at 10,000 bots is still
 * being set up 1 s after ready, so only the later figure has its memory. "Ready on a restart"
 * starts the farm again right after, on the DATA_DIR of that start: each bot is ready from the
 * getMe answer kept there (GETME_CACHE) and checked with Telegram in the background. The largest farm starts
 * once more per round against a stand-in that answers 80 ms late, as Telegram does across a
 * network: there getMe's round trips, not the CPU, are what a large fleet's start waits for.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createBotFarm, type BotFarm } from "../lib/bot-farm.ts";
import { residentBytes, sleep } from "../lib/processes.ts";
import type { ResultRow, SuiteResult } from "../lib/report.ts";
import { spreadOf } from "../lib/stats.ts";
import { startService, startStandIn, waitBotsReady, type StandInProcess } from "../lib/systems.ts";
import type { SuiteContext } from "./suite-context.ts";

/** Issue 16's targets: time to ready by bot count, memory per bot at 10,000 (200 KB below that). */
const READY_TARGET_SECONDS = new Map([
  [1000, 3],
  [10_000, 10],
]);
/** The target row of a memory-per-bot figure; none below 100 bots, where the difference is a few MB, within the RSS noise of one process start. */
function perBotTarget(count: number, medianKb: number): Pick<ResultRow, "target"> {
  if (count < 100) return {};
  const kb = count >= 10_000 ? 60 : 200;
  return { target: { text: `< ${kb} KB per bot`, met: medianKb < kb } };
}
/** A Bot API across a network: the largest farm's first start once more against a stand-in this far away. */
const REMOTE_API_LATENCY_MS = 80;

interface StartFigures {
  startedMs: number;
  readyMs: number;
  rssBytes: number;
  /** RSS again `lateMs` after ready: BOTS_DIR is watched by then, and the start's catch-up done. */
  lateRssBytes?: number;
}

/** The watcher of 10,000 bot folders is up a few seconds after ready (it starts once intake listens); `--quick` waits 2 s. */
const LATE_RSS_MS = 10_000;
const QUICK_LATE_RSS_MS = 2000;

interface StartOptions {
  /** Start on this DATA_DIR (a restart on it keeps the getMe answers). @defaultValue a fresh one */
  dataDir?: string;
  /** Read RSS again this long after ready. @defaultValue 0: only 1 s after ready */
  lateMs?: number;
}

async function measureStart(ctx: SuiteContext, farm: BotFarm, count: number, standIn: StandInProcess, { dataDir, lateMs = 0 }: StartOptions = {}): Promise<StartFigures> {
  const begin = performance.now();
  const service = await startService(farm, standIn.client.apiRoot, { timeoutMs: 600_000, nodeFlags: count >= 1000 ? ctx.serviceNodeFlags(`bots-${count}`) : [], ...(dataDir === undefined ? {} : { env: { DATA_DIR: dataDir } }) });
  try {
    await waitBotsReady(service.url, count, 600_000);
    const readyMs = performance.now() - begin;
    await sleep(1000);
    const rssBytes = residentBytes(service.child.pid);
    if (lateMs <= 0) return { startedMs: service.startedMs, readyMs, rssBytes };
    await sleep(Math.max(0, lateMs - 1000));
    return { startedMs: service.startedMs, readyMs, rssBytes, lateRssBytes: residentBytes(service.child.pid) };
  } finally {
    await service.child.stop(30_000);
  }
}

export async function runBotCount(ctx: SuiteContext): Promise<SuiteResult> {
  const { options } = ctx;
  const lateMs = options.quick ? QUICK_LATE_RSS_MS : LATE_RSS_MS;
  const standIn = await startStandIn();
  const remote = await startStandIn({ latencyMs: REMOTE_API_LATENCY_MS });
  const empty = createBotFarm(0);
  const farms = new Map<number, BotFarm>();
  // The largest count again, every bot's one handler file re-exporting one `_shared/` module tree.
  const sharedCount = Math.max(...options.botCounts);
  let shared: BotFarm | undefined;
  try {
    for (const count of options.botCounts) farms.set(count, createBotFarm(count));
    shared = createBotFarm(sharedCount, { sharedHandlers: true });
    const base: StartFigures[] = [];
    const byCount = new Map<number, StartFigures[]>(options.botCounts.map((c) => [c, []]));
    const restarts = new Map<number, StartFigures[]>(options.botCounts.map((c) => [c, []]));
    // The first start of a farm transpiles its handler files (tsx caches them): one unmeasured start each.
    if (!options.quick) for (const [count, farm] of [...farms, [sharedCount, shared] as const]) await measureStart(ctx, farm, count, standIn);
    const sharedFigures: StartFigures[] = [];
    const remoteFigures: StartFigures[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      for (const [count, farm] of farms) {
        const b = await measureStart(ctx, empty, 0, standIn, { lateMs });
        // A fresh DATA_DIR (every getMe asked), then a restart on it (every answer kept).
        const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-bots-data-"));
        try {
          const a = await measureStart(ctx, farm, count, standIn, { dataDir, lateMs });
          const r = await measureStart(ctx, farm, count, standIn, { dataDir });
          base.push(b);
          byCount.get(count)?.push(a);
          restarts.get(count)?.push(r);
          ctx.log(`bots round ${round}: ${count} bots ready in ${(a.readyMs / 1000).toFixed(2)} s, on a restart in ${(r.readyMs / 1000).toFixed(2)} s, RSS ${(a.rssBytes / 2 ** 20).toFixed(0)} MB (empty: ${(b.rssBytes / 2 ** 20).toFixed(0)} MB)`);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
      const largest = farms.get(sharedCount) as BotFarm;
      const remoteData = mkdtempSync(path.join(os.tmpdir(), "bench-bots-data-"));
      try {
        const f = await measureStart(ctx, largest, sharedCount, remote, { dataDir: remoteData });
        remoteFigures.push(f);
        ctx.log(`bots round ${round}: ${sharedCount} bots, Bot API ${REMOTE_API_LATENCY_MS} ms away, ready in ${(f.readyMs / 1000).toFixed(2)} s`);
      } finally {
        rmSync(remoteData, { recursive: true, force: true });
      }
      const c = await measureStart(ctx, shared, sharedCount, standIn);
      sharedFigures.push(c);
      ctx.log(`bots round ${round}: ${sharedCount} bots sharing one handler set ready in ${(c.readyMs / 1000).toFixed(2)} s, RSS ${(c.rssBytes / 2 ** 20).toFixed(0)} MB`);
    }
    const baseRss = spreadOf(base.map((f) => f.rssBytes / 2 ** 20));
    const baseLateRss = spreadOf(base.map((f) => (f.lateRssBytes ?? f.rssBytes) / 2 ** 20));
    const rows: ResultRow[] = [];
    for (const [count, figures] of byCount) {
      const ready = spreadOf(figures.map((f) => f.readyMs / 1000));
      const perBot = spreadOf(figures.map((f) => (f.rssBytes / 2 ** 20 - baseRss.median) * 1024 / count));
      const seconds = READY_TARGET_SECONDS.get(count);
      const readyTarget = seconds === undefined ? undefined : { text: `ready < ${seconds} s`, met: ready.median < seconds };
      rows.push({ scenario: `${count} bots`, metric: "started (bots imported, listening)", unit: "s", ours: spreadOf(figures.map((f) => f.startedMs / 1000)), baseline: spreadOf(base.map((f) => f.startedMs / 1000)) });
      rows.push({ scenario: `${count} bots`, metric: "ready (getMe done)", unit: "s", ours: ready, baseline: spreadOf(base.map((f) => f.readyMs / 1000)), ...(readyTarget === undefined ? {} : { target: readyTarget }) });
      rows.push({ scenario: `${count} bots`, metric: "ready on a restart (getMe kept)", unit: "s", ours: spreadOf((restarts.get(count) ?? []).map((f) => f.readyMs / 1000)), baseline: spreadOf(base.map((f) => f.readyMs / 1000)) });
      rows.push({ scenario: `${count} bots`, metric: "RSS", unit: "MB", ours: spreadOf(figures.map((f) => f.rssBytes / 2 ** 20)), baseline: baseRss });
      rows.push({
        scenario: `${count} bots`,
        metric: "memory per bot",
        unit: "KB",
        ours: perBot,
        ...perBotTarget(count, perBot.median),
      });
      const perBotLate = spreadOf(figures.map((f) => (((f.lateRssBytes ?? f.rssBytes) / 2 ** 20 - baseLateRss.median) * 1024) / count));
      rows.push({
        scenario: `${count} bots`,
        metric: `memory per bot, ${lateMs / 1000} s after ready (BOTS_DIR watched)`,
        unit: "KB",
        ours: perBotLate,
        ...perBotTarget(count, perBotLate.median),
      });
    }
    const sharedScenario = `${sharedCount} bots, one shared handler set`;
    rows.push(
      { scenario: sharedScenario, metric: "ready (getMe done)", unit: "s", ours: spreadOf(sharedFigures.map((f) => f.readyMs / 1000)), baseline: spreadOf(base.map((f) => f.readyMs / 1000)) },
      { scenario: sharedScenario, metric: "memory per bot", unit: "KB", ours: spreadOf(sharedFigures.map((f) => ((f.rssBytes / 2 ** 20 - baseRss.median) * 1024) / sharedCount)) },
      { scenario: `${sharedCount} bots, Bot API ${REMOTE_API_LATENCY_MS} ms away`, metric: "ready (getMe done)", unit: "s", ours: spreadOf(remoteFigures.map((f) => f.readyMs / 1000)), baseline: spreadOf(base.map((f) => f.readyMs / 1000)) },
    );
    return {
      suite: "bots",
      baseline: "the same service with no bots",
      rows,
      notes: ["Memory per bot = (RSS with N bots - median RSS with none) / N. Each farm is started once unmeasured first, so tsx's transpile cache is warm, as on any restart after the first."],
    };
  } finally {
    await standIn.child.stop();
    await remote.child.stop();
    for (const farm of farms.values()) farm.cleanup();
    shared?.cleanup();
    empty.cleanup();
  }
}
