/**
 * Soak: 300,000 updates at a steady 500/s (over 1000 bots and 20,000 chats: inside Telegram's
 * limits) through the embedded default and through queue mode (one API, one worker). Every 10 s
 * the resident memory of each process and its event-loop delay (p99 of the last interval, from its
 * /metrics) are sampled. After the warm-up (the first tenth of the run) memory must stay within
 * 10% of its lowest value with no growth trend; the curve is in the results as a text chart.
 */
import { asciiChart, slopeOf } from "../lib/ascii-chart.ts";
import { createBotFarm, type BotFarm } from "../lib/bot-farm.ts";
import { residentBytes, runJsonScript, sleep, startNodeScript, type Child } from "../lib/processes.ts";
import type { ResultRow, SuiteResult } from "../lib/report.ts";
import { spreadOf } from "../lib/stats.ts";
import { serviceEnv, startService, startStandIn, waitBotsReady, type StandInProcess } from "../lib/systems.ts";
import type { PacedInput, PacedOutput } from "../load/paced-load.ts";
import { freePort } from "../../src/testing/free-port.ts";
import { deletePrefix, redisAnswers } from "../../src/testing/redis.ts";
import { serviceTargets } from "./end-to-end.ts";
import type { SuiteContext } from "./suite-context.ts";

const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

interface Probe {
  name: string;
  pid: number;
  metricsUrl: string;
}

interface Sample {
  atSeconds: number;
  rss: number[];
  eventLoopP99Ms: number[];
}

/** The p99 event-loop delay since the last scrape, or NaN while the process does not answer (a worker still starting). */
async function eventLoopP99Ms(metricsUrl: string): Promise<number> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const match = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
    return match === null ? Number.NaN : Number(match[1]) * 1000;
  } catch {
    return Number.NaN;
  }
}

/** Runs the load against `url` while sampling `probes`; resolves with the samples and what the load did. */
async function soakOnce(ctx: SuiteContext, standIn: StandInProcess, farm: BotFarm, url: string, probes: Probe[], plan: { updates: number; rate: number; chats: number; everyMs: number }): Promise<{ samples: Sample[]; load: PacedOutput; handled: number }> {
  await standIn.client.reset();
  const input: PacedInput = { plan: { baseUrl: url, targets: serviceTargets(farm.bots), chats: plan.chats, idBase: 1 }, ratePerSecond: plan.rate, durationSeconds: plan.updates / plan.rate, connections: 256 };
  let done = false;
  const load = runJsonScript<PacedOutput>("paced-load", "bench/load/paced-load.ts", input, (plan.updates / plan.rate + 600) * 1000).finally(() => (done = true));
  const samples: Sample[] = [];
  const started = performance.now();
  for (let tick = 1; !done; tick++) {
    await sleep(Math.max(0, tick * plan.everyMs - (performance.now() - started)));
    if (done) break;
    samples.push({
      atSeconds: (performance.now() - started) / 1000,
      rss: probes.map((probe) => residentBytes(probe.pid)),
      eventLoopP99Ms: await Promise.all(probes.map((probe) => eventLoopP99Ms(probe.metricsUrl))),
    });
  }
  const loaded = await load;
  const replies = await standIn.client.waitForReplies(loaded.ok, 15_000, 600_000);
  ctx.log(`soak: ${loaded.ok} accepted, ${replies.length} answered, ${samples.length} samples`);
  return { samples, load: loaded, handled: replies.length };
}

function soakRows(scenario: string, probes: Probe[], run: { samples: Sample[]; load: PacedOutput; handled: number }): { rows: ResultRow[]; charts: string[] } {
  const rows: ResultRow[] = [{ scenario, metric: "updates answered / sent", unit: "share", ours: spreadOf([run.load.sent === 0 ? 0 : run.handled / run.load.sent]) }];
  const charts: string[] = [];
  const warmup = Math.max(1, Math.ceil(run.samples.length / 10));
  probes.forEach((probe, i) => {
    const rss = run.samples.map((s) => s.rss[i] ?? 0);
    const after = rss.slice(warmup);
    const low = Math.min(...after);
    const high = Math.max(...after);
    const spreadShare = low > 0 ? (high - low) / low : 0;
    // Growth over the measured part, as a share of its mean: slope per sample times the samples.
    const mean = after.reduce((a, b) => a + b, 0) / Math.max(1, after.length);
    const trendShare = mean > 0 ? (slopeOf(after) * after.length) / mean : 0;
    const met = after.length > 1 && spreadShare <= 0.1 && trendShare <= 0.1;
    rows.push(
      { scenario: `${scenario}: ${probe.name}`, metric: "RSS after warm-up, (max - min) / min", unit: "share", ours: spreadOf([spreadShare]), target: { text: "<= 0.10, no growth trend", met } },
      { scenario: `${scenario}: ${probe.name}`, metric: "RSS growth over the run (trend)", unit: "share", ours: spreadOf([trendShare]) },
      { scenario: `${scenario}: ${probe.name}`, metric: "RSS", unit: "MB", ours: spreadOf(after.map((b) => b / 1024 / 1024)) },
      { scenario: `${scenario}: ${probe.name}`, metric: "event-loop delay p99 (per 10 s)", unit: "ms", ours: spreadOf(run.samples.map((s) => s.eventLoopP99Ms[i] ?? Number.NaN).filter(Number.isFinite)) },
    );
    charts.push(`${scenario}, ${probe.name}, RSS over ${run.samples.at(-1)?.atSeconds.toFixed(0) ?? 0} s:\n${asciiChart(rss, { label: (b) => `${(b / 1024 / 1024).toFixed(0)} MB` })}`);
  });
  return { rows, charts };
}

export async function runSoak(ctx: SuiteContext): Promise<SuiteResult> {
  const plan = ctx.options.quick ? { updates: 400, rate: 200, chats: 400, everyMs: 500, bots: 10 } : { updates: 300_000, rate: 500, chats: 20_000, everyMs: 10_000, bots: 1000 };
  const farm = createBotFarm(plan.bots);
  const standIn = await startStandIn();
  const children: Child[] = [];
  const rows: ResultRow[] = [];
  const notes: string[] = [`${plan.updates} updates at ${plan.rate}/s over ${plan.bots} bots and ${plan.chats} chats, sampled every ${plan.everyMs / 1000} s; warm-up: the first tenth of the samples.`];
  try {
    const embedded = await startService(farm, standIn.client.apiRoot);
    children.push(embedded.child);
    await waitBotsReady(embedded.url, farm.bots.length);
    const probes: Probe[] = [{ name: "service", pid: embedded.child.pid, metricsUrl: `${embedded.url}/metrics` }];
    const run = await soakOnce(ctx, standIn, farm, embedded.url, probes, plan);
    const embeddedResult = soakRows("embedded default", probes, run);
    rows.push(...embeddedResult.rows);
    notes.push(...embeddedResult.charts);
    await embedded.child.stop();

    if (await redisAnswers(REDIS_URL)) {
      const env = { REDIS_URL, QUEUE_PREFIX: `soak-${process.pid}-${Date.now()}` };
      const api = await startService(farm, standIn.client.apiRoot, { env });
      children.push(api.child);
      await waitBotsReady(api.url, farm.bots.length);
      const workerPort = await freePort();
      const worker = startNodeScript("worker", "src/worker-main.ts", [], { env: serviceEnv(farm, standIn.client.apiRoot, { ...env, WORKER_HTTP_PORT: String(workerPort) }), keepLines: 200 });
      children.push(worker);
      const queueProbes: Probe[] = [
        { name: "API", pid: api.child.pid, metricsUrl: `${api.url}/metrics` },
        { name: "worker", pid: worker.pid, metricsUrl: `http://127.0.0.1:${workerPort}/metrics` },
      ];
      const queueRun = await soakOnce(ctx, standIn, farm, api.url, queueProbes, plan);
      const queueResult = soakRows("queue mode", queueProbes, queueRun);
      rows.push(...queueResult.rows);
      notes.push(...queueResult.charts);
      for (const child of children.splice(0)) await child.stop(5000);
      await deletePrefix(REDIS_URL, env.QUEUE_PREFIX);
    } else {
      notes.push(`queue mode skipped: no Redis at ${REDIS_URL}`);
    }
    return { suite: "soak", baseline: "none: memory is held against itself over the run", rows, notes };
  } finally {
    for (const child of children) await child.stop(5000);
    await standIn.child.stop();
    farm.cleanup();
  }
}
