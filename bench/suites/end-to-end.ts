/**
 * Part 2, end to end (embedded default): updates handled per second and latency from the POST to
 * the bot's reply reaching the stand-in, at fixed offered rates (open-loop, evenly paced) and at
 * saturation (closed-loop autocannon), against the baseline users write today: one grammY
 * `webhookCallback` per bot on one Fastify server, the same handler files, the same stand-in.
 *
 * Both servers stay up for the whole suite (idle while the other is measured); each measurement
 * starts from a reset stand-in, and waits until every accepted update was replied to (or nothing
 * moved for a while) before the next one, so no backlog spills into the other side's turn.
 */
import type { AutocannonInput, AutocannonOutput } from "../load/autocannon-load.ts";
import type { PacedInput, PacedOutput } from "../load/paced-load.ts";
import { createBotFarm, writeFarmManifest, type FarmBot } from "../lib/bot-farm.ts";
import { cpuMs, runJsonScript } from "../lib/processes.ts";
import type { ResultRow, SuiteResult } from "../lib/report.ts";
import type { DeliveryStats } from "../lib/stand-in-client.ts";
import { spreadOf } from "../lib/stats.ts";
import { startBaseline, startService, startStandIn, waitBotsReady, type StandInProcess } from "../lib/systems.ts";
import type { LoadPlan, LoadTarget } from "../lib/updates.ts";
import type { SuiteContext } from "./suite-context.ts";

/** 10000, not 1000: at 2000/s, 1000 chats would get 2 messages/s each, over Telegram's 1/s per chat, and flood control (on by default) would rightly hold the replies. */
const CHATS = 10_000;
/** Sockets of the paced sender; enough that a baseline holding each request through its handler is not starved. */
const PACED_CONNECTIONS = 256;
const SATURATION_CONNECTIONS = 100;
const P99_TARGET_MS = 50;
const P99_TARGET_RATE = 500;

export interface Side {
  name: string;
  url: string;
  targets: LoadTarget[];
  /** Processes whose CPU time the side's updates cost (server, workers). */
  pids: number[];
  /** The Redis server both sides share (queue mode): its CPU (when local) and commands per update are reported apart. */
  redis?: RedisProbe;
}

export interface RedisProbe {
  /** The pids of the servers (one, or a cluster's masters) that run on this machine. */
  pids: number[];
  /** Calls so far per command (INFO commandstats), over every server. */
  commandCalls(): Promise<Map<string, number>>;
  /** A Redis Cluster: calls so far of each master, in one fixed order. */
  callsByShard?(): Promise<number[]>;
}

export interface Measurement {
  stats: DeliveryStats;
  sent: number;
  ok: number;
  /** CPU time of the side's processes per handled update, µs (less noisy than throughput on a shared machine). */
  cpuUsPerUpdate: number;
  /** The same, per process of `Side.pids` (server first, then workers). */
  cpuUsPerUpdateByProcess: number[];
  /** Redis server CPU per handled update, µs (queue mode, when Redis runs on this machine). */
  redisCpuUsPerUpdate?: number;
  /** Redis commands per handled update, by command (queue mode). */
  redisCallsPerUpdate?: Map<string, number>;
  /** A Redis Cluster: each master's share of the commands of this measurement (RedisProbe order). */
  redisCallShares?: number[];
}

export function serviceTargets(bots: readonly FarmBot[]): LoadTarget[] {
  return bots.map((bot) => ({ path: "/internal/update", botName: bot.name, headers: { "x-internal-key": bot.key }, envelope: true }));
}

/** The grammY `webhookCallback` baseline's routes: one webhook per bot, its key as the secret token. */
export function grammyTargets(bots: readonly FarmBot[]): LoadTarget[] {
  return bots.map((bot) => ({ path: `/webhook/${bot.name}`, botName: bot.name, headers: { "x-telegram-bot-api-secret-token": bot.key }, envelope: false }));
}

/**
 * One measurement: `rate` updates/s open-loop, or closed-loop saturation when `rate` is undefined.
 * Shared with the queue-mode suite.
 */
export async function measureDelivery(ctx: SuiteContext, standIn: StandInProcess, side: Side, rate: number | undefined, idBase: number): Promise<Measurement> {
  const seconds = ctx.options.durationSeconds;
  const plan: LoadPlan = { baseUrl: side.url, targets: side.targets, chats: CHATS, idBase };
  await standIn.client.reset();
  const cpuOf = () => side.pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const cpuBefore = cpuOf();
  const eachBefore = side.pids.map((pid) => cpuMs(pid));
  const redisPids = side.redis?.pids ?? [];
  const redisCpu = () => redisPids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const redisCpuBefore = redisCpu();
  const callsBefore = await side.redis?.commandCalls();
  const shardsBefore = await side.redis?.callsByShard?.();
  let sent: number;
  let ok: number;
  let firstSentAtMs: number;
  if (rate === undefined) {
    const input: AutocannonInput = { plan, connections: SATURATION_CONNECTIONS, durationSeconds: seconds, ...(ctx.options.maxRequests === undefined ? {} : { amount: ctx.options.maxRequests }) };
    const out = await runJsonScript<AutocannonOutput>("autocannon", "bench/load/autocannon-load.ts", input, (seconds + 120) * 1000);
    ({ requests: sent, ok, firstSentAtMs } = out);
  } else {
    const input: PacedInput = { plan, ratePerSecond: rate, durationSeconds: seconds, connections: PACED_CONNECTIONS, ...(ctx.options.maxRequests === undefined ? {} : { amount: ctx.options.maxRequests }) };
    const out = await runJsonScript<PacedOutput>("paced-load", "bench/load/paced-load.ts", input, (seconds + 120) * 1000);
    ({ sent, ok, firstSentAtMs } = out);
    if (out.maxSenderLagMs > 50) ctx.log(`  note: the paced sender fell ${out.maxSenderLagMs.toFixed(0)} ms behind its schedule (machine busy)`);
  }
  // In-flight requests cut off when a closed-loop run ends were accepted too: wait for them as well
  // (a run capped by a request count ends with none in flight).
  const expected = rate === undefined && ctx.options.maxRequests === undefined ? ok + SATURATION_CONNECTIONS : ok;
  const replies = await standIn.client.waitForReplies(expected, rate === undefined ? (ctx.options.quick ? 500 : 2000) : 5000, 600_000);
  const stats = standIn.client.deliveryStats(replies, firstSentAtMs);
  const perUpdate = (ms: number) => (ms * 1000) / Math.max(1, stats.handled);
  const measurement: Measurement = { stats, sent, ok, cpuUsPerUpdate: perUpdate(cpuOf() - cpuBefore), cpuUsPerUpdateByProcess: side.pids.map((pid, i) => perUpdate(cpuMs(pid) - (eachBefore[i] ?? 0))) };
  if (redisPids.length > 0) measurement.redisCpuUsPerUpdate = perUpdate(redisCpu() - redisCpuBefore);
  const shardsAfter = await side.redis?.callsByShard?.();
  if (shardsBefore !== undefined && shardsAfter !== undefined) {
    const deltas = shardsAfter.map((calls, i) => calls - (shardsBefore[i] ?? 0));
    const total = deltas.reduce((sum, n) => sum + n, 0);
    measurement.redisCallShares = deltas.map((n) => (total === 0 ? 0 : n / total));
  }
  const callsAfter = await side.redis?.commandCalls();
  if (callsBefore !== undefined && callsAfter !== undefined) {
    const perCommand = new Map<string, number>();
    for (const [command, calls] of callsAfter) {
      const delta = calls - (callsBefore.get(command) ?? 0);
      if (delta > 0) perCommand.set(command, delta / Math.max(1, stats.handled));
    }
    measurement.redisCallsPerUpdate = perCommand;
  }
  return measurement;
}

/** Rows for one scenario from per-round measurements of both sides. */
/** `throughputTarget` applies at saturation only: at a fixed offered rate both sides handle what is offered, or fall behind (seen in latency). */
export function deliveryRows(scenario: string, ours: Measurement[], base: Measurement[], throughputTarget: { ratio: number; text: string } | undefined, p99Target?: number): ResultRow[] {
  const tput = spreadOf(ours.map((m) => m.stats.handledPerSecond));
  const baseTput = spreadOf(base.map((m) => m.stats.handledPerSecond));
  const ratio = tput.median / baseTput.median;
  const p99 = spreadOf(ours.map((m) => m.stats.p99Ms));
  const rows: ResultRow[] = [
    {
      scenario,
      metric: "handled/s",
      unit: "upd/s",
      ours: tput,
      baseline: baseTput,
      ratio,
      ...(throughputTarget === undefined ? {} : { target: { text: throughputTarget.text, met: ratio >= throughputTarget.ratio } }),
    },
    { scenario, metric: "latency p50", unit: "ms", ours: spreadOf(ours.map((m) => m.stats.p50Ms)), baseline: spreadOf(base.map((m) => m.stats.p50Ms)) },
    {
      scenario,
      metric: "latency p99",
      unit: "ms",
      ours: p99,
      baseline: spreadOf(base.map((m) => m.stats.p99Ms)),
      ...(p99Target === undefined ? {} : { target: { text: `p99 < ${p99Target} ms`, met: p99.median < p99Target } }),
    },
    {
      scenario,
      metric: "server CPU per handled update",
      unit: "us",
      ours: spreadOf(ours.map((m) => m.cpuUsPerUpdate)),
      baseline: spreadOf(base.map((m) => m.cpuUsPerUpdate)),
    },
    ...redisCpuRows(scenario, ours, base),
    {
      scenario,
      metric: "handled / requests answered",
      unit: "share",
      ours: spreadOf(ours.map((m) => (m.sent === 0 ? 0 : m.stats.handled / m.sent))),
      baseline: spreadOf(base.map((m) => (m.sent === 0 ? 0 : m.stats.handled / m.sent))),
    },
  ];
  return rows;
}

export function redisCpuRows(scenario: string, ours: Measurement[], base: Measurement[]): ResultRow[] {
  const of = (list: Measurement[]) => list.flatMap((m) => (m.redisCpuUsPerUpdate === undefined ? [] : [m.redisCpuUsPerUpdate]));
  const o = of(ours);
  const b = of(base);
  const rows: ResultRow[] = [];
  if (o.length > 0 && b.length > 0) rows.push({ scenario, metric: "Redis CPU per handled update", unit: "us", ours: spreadOf(o), baseline: spreadOf(b) });
  const calls = (list: Measurement[]) => list.flatMap((m) => (m.redisCallsPerUpdate === undefined ? [] : [[...m.redisCallsPerUpdate.values()].reduce((sum, n) => sum + n, 0)]));
  const oc = calls(ours);
  const bc = calls(base);
  if (oc.length > 0 && bc.length > 0) rows.push({ scenario, metric: "Redis commands per handled update", unit: "calls", ours: spreadOf(oc), baseline: spreadOf(bc) });
  return rows;
}

export async function runEndToEnd(ctx: SuiteContext): Promise<SuiteResult> {
  const { options } = ctx;
  const farm = createBotFarm(options.deliveryBots);
  const manifest = writeFarmManifest(farm);
  const standIn = await startStandIn();
  try {
    // Started side by side (the start is not what this suite measures).
    const [service, grammy] = await Promise.all([
      startService(farm, standIn.client.apiRoot, { nodeFlags: ctx.serviceNodeFlags("e2e") }).then(async (started) => {
        await waitBotsReady(started.url, farm.bots.length);
        return started;
      }),
      startBaseline("grammy-fastify", "bench/baselines/grammy-fastify-server.ts", [manifest, standIn.client.apiRoot]),
    ]);
    await standIn.client.reset();
    const clock = await standIn.client.calibrate();
    ctx.log(`e2e: stand-in clock offset measured within ±${clock.uncertaintyMs.toFixed(2)} ms`);
    const ours: Side = { name: "service", url: service.url, targets: serviceTargets(farm.bots), pids: [service.child.pid] };
    const base: Side = {
      name: "grammY+Fastify",
      url: grammy.url,
      targets: grammyTargets(farm.bots),
      pids: [grammy.child.pid],
    };
    let idBase = 1;
    const nextIds = () => (idBase += 10_000_000);

    const warmRate = options.rates[0] ?? 200;
    if (!options.quick) for (const side of [ours, base]) await measureDelivery({ ...ctx, options: { ...options, durationSeconds: Math.min(2, options.durationSeconds) } }, standIn, side, warmRate, nextIds());

    const scenarios: Array<number | undefined> = [...options.rates, undefined];
    const results = new Map<number | undefined, { ours: Measurement[]; base: Measurement[] }>();
    for (const rate of scenarios) results.set(rate, { ours: [], base: [] });
    for (let round = 1; round <= options.rounds; round++) {
      for (const rate of scenarios) {
        const slot = results.get(rate) as { ours: Measurement[]; base: Measurement[] };
        const a = await measureDelivery(ctx, standIn, ours, rate, nextIds());
        const b = await measureDelivery(ctx, standIn, base, rate, nextIds());
        slot.ours.push(a);
        slot.base.push(b);
        ctx.log(
          `e2e round ${round} ${rate === undefined ? "saturation" : `${rate}/s`}: ours ${a.stats.handledPerSecond.toFixed(0)}/s p50 ${a.stats.p50Ms.toFixed(1)} p99 ${a.stats.p99Ms.toFixed(1)} ms; ` +
            `grammY ${b.stats.handledPerSecond.toFixed(0)}/s p50 ${b.stats.p50Ms.toFixed(1)} p99 ${b.stats.p99Ms.toFixed(1)} ms; CPU/update ${a.cpuUsPerUpdate.toFixed(0)} vs ${b.cpuUsPerUpdate.toFixed(0)} us`,
        );
      }
    }
    const rows: ResultRow[] = [];
    for (const rate of scenarios) {
      const slot = results.get(rate) as { ours: Measurement[]; base: Measurement[] };
      const scenario = rate === undefined ? `saturation, ${SATURATION_CONNECTIONS} connections` : `offered ${rate}/s`;
      const target = rate === undefined ? { ratio: 1, text: ">= grammY+Fastify throughput" } : undefined;
      rows.push(...deliveryRows(scenario, slot.ours, slot.base, target, rate === P99_TARGET_RATE ? P99_TARGET_MS : undefined));
    }
    await service.child.stop();
    await grammy.child.stop();
    return {
      suite: "e2e",
      baseline: "one grammY webhookCallback per bot on one Fastify server (no ordering, dedup or retries)",
      rows,
      notes: [
        `${farm.bots.length} bots, ${CHATS} chats; latency = stand-in arrival of the reply - the update's due send time (clock offset ±${clock.uncertaintyMs.toFixed(2)} ms).`,
        "At saturation our intake answers 503 BACKLOG_FULL beyond MAX_BACKLOG; handled/s counts replies only.",
      ],
    };
  } finally {
    await standIn.child.stop();
    farm.cleanup();
  }
}
