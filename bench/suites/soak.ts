/**
 * Soak: 300,000 updates at a steady 500/s (over 1000 bots and 20,000 chats: inside Telegram's
 * limits) through the embedded default and through queue mode (one API, one worker). Every 10 s
 * the resident memory of each process and its event-loop delay (p99 of the last interval, from its
 * /metrics) are sampled. After the warm-up (the first tenth of the run) the process's own memory
 * (anonymous RSS: the heap and native allocations) must stay within 10% of its lowest value with
 * no growth trend; the curve is in the results as a text chart. RSS in all and its file-backed
 * part are reported beside it: the file-backed part holds the pages of the local store's
 * memory-mapped data file that were read, which grows with the claims of the dedup window on
 * disk (24 h by default) and is page cache the kernel takes back under pressure, not memory the
 * process allocated. The embedded run is repeated on the hand-written grammY server (the e2e
 * baseline): its curve under the same load tells what of the swing is V8's and Node's.
 */
import { asciiChart, slopeOf } from "../lib/ascii-chart.ts";
import { createBotFarm, writeFarmManifest } from "../lib/bot-farm.ts";
import { residentParts, runJsonScript, sleep, startNodeScript, type Child } from "../lib/processes.ts";
import type { ResultRow, SuiteResult } from "../lib/report.ts";
import { spreadOf } from "../lib/stats.ts";
import { serviceEnv, startBaseline, startService, startStandIn, waitBotsReady, type StandInProcess } from "../lib/systems.ts";
import type { PacedInput, PacedOutput } from "../load/paced-load.ts";
import { freePort } from "../../src/testing/free-port.ts";
import { deletePrefix, redisAnswers } from "../../src/testing/redis.ts";
import { grammyTargets, serviceTargets } from "./end-to-end.ts";
import type { LoadTarget } from "../lib/updates.ts";
import type { SuiteContext } from "./suite-context.ts";

const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

interface Probe {
  name: string;
  pid: number;
  /** Where its event-loop delay is read; none for the grammY server, which has no /metrics. */
  metricsUrl?: string;
}

interface Sample {
  atSeconds: number;
  memory: Array<ReturnType<typeof residentParts>>;
  eventLoopP99Ms: number[];
}

type MemoryKind = keyof ReturnType<typeof residentParts>;

/** The p99 event-loop delay since the last scrape; NaN while the process does not answer (a worker still starting) or has no /metrics. */
async function eventLoopP99Ms(metricsUrl: string | undefined): Promise<number> {
  if (metricsUrl === undefined) return Number.NaN;
  try {
    const text = await (await fetch(metricsUrl)).text();
    const match = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
    return match === null ? Number.NaN : Number(match[1]) * 1000;
  } catch {
    return Number.NaN;
  }
}

/** Runs the load against `url` while sampling `probes`; resolves with the samples and what the load did. */
async function soakOnce(ctx: SuiteContext, standIn: StandInProcess, targets: LoadTarget[], url: string, probes: Probe[], plan: { updates: number; rate: number; chats: number; everyMs: number }): Promise<SoakRun> {
  await standIn.client.reset();
  const input: PacedInput = { plan: { baseUrl: url, targets, chats: plan.chats, idBase: 1 }, ratePerSecond: plan.rate, durationSeconds: plan.updates / plan.rate, connections: 256 };
  let done = false;
  const load = runJsonScript<PacedOutput>("paced-load", "bench/load/paced-load.ts", input, (plan.updates / plan.rate + 600) * 1000).finally(() => (done = true));
  const samples: Sample[] = [];
  const started = performance.now();
  for (let tick = 1; !done; tick++) {
    await sleep(Math.max(0, tick * plan.everyMs - (performance.now() - started)));
    if (done) break;
    samples.push({
      atSeconds: (performance.now() - started) / 1000,
      memory: probes.map((probe) => residentParts(probe.pid)),
      eventLoopP99Ms: await Promise.all(probes.map((probe) => eventLoopP99Ms(probe.metricsUrl))),
    });
  }
  const loaded = await load;
  const replies = await standIn.client.waitForReplies(loaded.ok, 15_000, 600_000);
  ctx.log(`soak: ${loaded.ok} accepted, ${replies.length} answered, ${samples.length} samples`);
  return { samples, load: loaded, handled: replies.length };
}

interface SoakRun {
  samples: Sample[];
  load: PacedOutput;
  handled: number;
}

/** Resident memory (of `kind`) of probe `i` over a run: the samples after the warm-up, their spread and trend as shares. */
function memoryOf(run: SoakRun, i: number, kind: MemoryKind): { all: number[]; after: number[]; spreadShare: number; trendShare: number } {
  const all = run.samples.map((s) => s.memory[i]?.[kind] ?? 0);
  const after = all.slice(Math.max(1, Math.ceil(run.samples.length / 10)));
  const low = Math.min(...after);
  const high = Math.max(...after);
  // Growth over the measured part, as a share of its mean: slope per sample times the samples.
  const mean = after.reduce((a, b) => a + b, 0) / Math.max(1, after.length);
  return { all, after, spreadShare: low > 0 ? (high - low) / low : 0, trendShare: mean > 0 ? (slopeOf(after) * after.length) / mean : 0 };
}

const chartOf = (title: string, run: SoakRun, bytes: number[]) => `${title}, anonymous RSS over ${run.samples.at(-1)?.atSeconds.toFixed(0) ?? 0} s:\n${asciiChart(bytes, { label: (b) => `${(b / 1024 / 1024).toFixed(0)} MB` })}`;

/** Every kind of resident memory of probe `i` over a run. */
const memoryParts = (run: SoakRun, i: number) => ({ anon: memoryOf(run, i, "anon"), rss: memoryOf(run, i, "rss"), file: memoryOf(run, i, "file") });

/** Rows of one run; `baseline` (one probe: the hand-written grammY server under the same load) fills the baseline column of the first probe's memory rows. */
function soakRows(scenario: string, probes: Probe[], run: SoakRun, baseline?: SoakRun): { rows: ResultRow[]; charts: string[] } {
  const rows: ResultRow[] = [{ scenario, metric: "updates answered / sent", unit: "share", ours: spreadOf([run.load.sent === 0 ? 0 : run.handled / run.load.sent]), ...(baseline === undefined ? {} : { baseline: spreadOf([baseline.load.sent === 0 ? 0 : baseline.handled / baseline.load.sent]) }) }];
  const charts: string[] = [];
  probes.forEach((probe, i) => {
    const ours = memoryParts(run, i);
    // The grammY server's figures go beside the first probe's (the embedded service).
    const theirs = i === 0 && baseline !== undefined ? { run: baseline, ...memoryParts(baseline, 0) } : undefined;
    const against = (pick: (memory: typeof ours) => number[]) => (theirs === undefined ? {} : { baseline: spreadOf(pick(theirs)) });
    const met = ours.anon.after.length > 1 && ours.anon.spreadShare <= 0.1 && ours.anon.trendShare <= 0.1;
    const mb = (bytes: number[]) => bytes.map((b) => b / 1024 / 1024);
    const name = `${scenario}: ${probe.name}`;
    rows.push(
      { scenario: name, metric: "anonymous RSS after warm-up, (max - min) / min", unit: "share", ours: spreadOf([ours.anon.spreadShare]), ...against((m) => [m.anon.spreadShare]), target: { text: "<= 0.10, no growth trend", met } },
      { scenario: name, metric: "anonymous RSS growth over the run (trend)", unit: "share", ours: spreadOf([ours.anon.trendShare]), ...against((m) => [m.anon.trendShare]) },
      { scenario: name, metric: "anonymous RSS (heap and native)", unit: "MB", ours: spreadOf(mb(ours.anon.after)), ...against((m) => mb(m.anon.after)) },
      { scenario: name, metric: "RSS in all, (max - min) / min", unit: "share", ours: spreadOf([ours.rss.spreadShare]), ...against((m) => [m.rss.spreadShare]) },
      { scenario: name, metric: "RSS in all", unit: "MB", ours: spreadOf(mb(ours.rss.after)), ...against((m) => mb(m.rss.after)) },
      { scenario: name, metric: "file-backed RSS (code, the store's mapped file)", unit: "MB", ours: spreadOf(mb(ours.file.after)), ...against((m) => mb(m.file.after)) },
      { scenario: name, metric: "event-loop delay p99 (per 10 s)", unit: "ms", ours: spreadOf(run.samples.map((s) => s.eventLoopP99Ms[i] ?? Number.NaN).filter(Number.isFinite)) },
    );
    charts.push(chartOf(name, run, ours.anon.all));
    if (theirs !== undefined) charts.push(chartOf(`${scenario}, the same load on the hand-written grammY server`, theirs.run, theirs.anon.all));
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
    const run = await soakOnce(ctx, standIn, serviceTargets(farm.bots), embedded.url, probes, plan);
    await embedded.child.stop();
    // The yardstick: grammY's webhookCallback on Fastify, as a user would write it, under the same load.
    const grammy = await startBaseline("grammy-fastify", "bench/baselines/grammy-fastify-server.ts", [writeFarmManifest(farm), standIn.client.apiRoot]);
    children.push(grammy.child);
    const baseRun = await soakOnce(ctx, standIn, grammyTargets(farm.bots), grammy.url, [{ name: "grammY server", pid: grammy.child.pid }], plan);
    await grammy.child.stop();
    const embeddedResult = soakRows("embedded default", probes, run, baseRun);
    rows.push(...embeddedResult.rows);
    notes.push(...embeddedResult.charts);

    if (await redisAnswers(REDIS_URL)) {
      const env = { REDIS_URL, QUEUE_PREFIX: `soak-${process.pid}-${Date.now()}` };
      const api = await startService(farm, standIn.client.apiRoot, { env });
      children.push(api.child);
      await waitBotsReady(api.url, farm.bots.length);
      const workerPort = await freePort();
      const worker = startNodeScript("worker", "src/worker-main.ts", [], { env: serviceEnv(farm, standIn.client.apiRoot, { ...env, WORKER_HTTP_PORT: String(workerPort) }), keepLines: 200 });
      children.push(worker);
      // The load starts once the worker has its bots too: a steady state, not the worker's start
      // on the same cores as an API already taking 500/s.
      await waitBotsReady(`http://127.0.0.1:${workerPort}`, farm.bots.length);
      const queueProbes: Probe[] = [
        { name: "API", pid: api.child.pid, metricsUrl: `${api.url}/metrics` },
        { name: "worker", pid: worker.pid, metricsUrl: `http://127.0.0.1:${workerPort}/metrics` },
      ];
      const queueRun = await soakOnce(ctx, standIn, serviceTargets(farm.bots), api.url, queueProbes, plan);
      const queueResult = soakRows("queue mode", queueProbes, queueRun);
      rows.push(...queueResult.rows);
      notes.push(...queueResult.charts);
      for (const child of children.splice(0)) await child.stop(5000);
      await deletePrefix(REDIS_URL, env.QUEUE_PREFIX);
    } else {
      notes.push(`queue mode skipped: no Redis at ${REDIS_URL}`);
    }
    return { suite: "soak", baseline: "the embedded rows: the hand-written grammY server under the same load; the target holds memory against itself over the run", rows, notes };
  } finally {
    for (const child of children) await child.stop(5000);
    await standIn.child.stop();
    farm.cleanup();
  }
}
