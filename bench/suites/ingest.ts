/**
 * Part 1, ingest: `POST /internal/update` accepted per second, 100 bots, updates over 1000 chats,
 * processing on (every update is handled and replied to at the stand-in), against a bare
 * `node:http` server doing the minimum. Closed-loop autocannon in its own process; A/B alternated.
 *
 * The backlog limits are raised for this suite only: at saturation intake outruns processing, and
 * with the default MAX_BACKLOG (10000) the figure would soon be processing speed plus cheap 503s,
 * not ingest. Before each of our rounds the previous round's backlog is drained, so the baseline
 * never runs while our service still works in the background.
 */
import type { AutocannonInput, AutocannonOutput } from "../load/autocannon-load.ts";
import { createBotFarm, writeFarmManifest } from "../lib/bot-farm.ts";
import { cpuMs, runJsonScript } from "../lib/processes.ts";
import type { ResultRow, SuiteResult } from "../lib/report.ts";
import { spreadOf } from "../lib/stats.ts";
import { startBaseline, startService, startStandIn, waitBotsReady } from "../lib/systems.ts";
import type { LoadPlan, LoadTarget } from "../lib/updates.ts";
import type { SuiteContext } from "./suite-context.ts";

const BOTS = 100;
const CHATS = 1000;
const CONNECTIONS = 64;
const TARGET_RATIO = 0.8;

export async function runIngest(ctx: SuiteContext): Promise<SuiteResult> {
  const { options } = ctx;
  const farm = createBotFarm(options.quick ? 10 : BOTS);
  const manifest = writeFarmManifest(farm);
  const standIn = await startStandIn();
  try {
    const service = await startService(farm, standIn.client.apiRoot, {
      env: { MAX_BACKLOG: "2000000", MAX_BOT_BACKLOG: "1000000" },
      nodeFlags: ctx.serviceNodeFlags("ingest"),
    });
    await waitBotsReady(service.url, farm.bots.length);
    const bare = await startBaseline("bare-ingest", "bench/baselines/bare-ingest-server.ts", [manifest]);
    const targets: LoadTarget[] = farm.bots.map((bot) => ({ path: "/internal/update", botName: bot.name, headers: { "x-internal-key": bot.key }, envelope: true }));
    let idBase = 1;
    const load = async (baseUrl: string, seconds: number): Promise<AutocannonOutput> => {
      const plan: LoadPlan = { baseUrl, targets, chats: CHATS, idBase };
      idBase += 10_000_000;
      const input: AutocannonInput = { plan, connections: CONNECTIONS, durationSeconds: seconds };
      return runJsonScript<AutocannonOutput>("autocannon", "bench/load/autocannon-load.ts", input, (seconds + 60) * 1000);
    };
    const drain = async (accepted: number) => {
      const replies = await standIn.client.waitForReplies(accepted, options.quick ? 2000 : 10_000, 600_000);
      if (replies.length < accepted) ctx.log(`ingest: only ${replies.length} of ${accepted} accepted updates were handled`);
      await standIn.client.reset();
      return replies.length;
    };

    // Warm-up (JIT, connection pools), not counted.
    if (!options.quick) {
      await drain((await load(service.url, 2)).ok);
      await load(bare.url, 2);
    }

    const ours: number[] = [];
    const base: number[] = [];
    const oursP99: number[] = [];
    const baseP99: number[] = [];
    const handledShare: number[] = [];
    const oursCpu: number[] = [];
    const oursCpuTotal: number[] = [];
    const baseCpu: number[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const cpu0 = cpuMs(service.child.pid);
      const a = await load(service.url, options.durationSeconds);
      const cpu1 = cpuMs(service.child.pid);
      ours.push(a.okPerSecond);
      oursP99.push(a.p99Ms);
      const handled = await drain(a.ok);
      oursCpu.push(((cpu1 - cpu0) * 1000) / Math.max(1, a.ok));
      oursCpuTotal.push(((cpuMs(service.child.pid) - cpu0) * 1000) / Math.max(1, handled));
      handledShare.push(a.ok === 0 ? 0 : handled / a.ok);
      const bareCpu0 = cpuMs(bare.child.pid);
      const b = await load(bare.url, options.durationSeconds);
      baseCpu.push(((cpuMs(bare.child.pid) - bareCpu0) * 1000) / Math.max(1, b.ok));
      base.push(b.okPerSecond);
      baseP99.push(b.p99Ms);
      ctx.log(
        `ingest round ${round}: ours ${a.okPerSecond.toFixed(0)}/s (non-2xx ${a.requests - a.ok}, ${oursCpu.at(-1)?.toFixed(0)} CPU-us per accepted during load, ${oursCpuTotal.at(-1)?.toFixed(0)} incl. drain), ` +
          `bare ${b.okPerSecond.toFixed(0)}/s (${baseCpu.at(-1)?.toFixed(0)} CPU-us per request)`,
      );
    }
    const oursSpread = spreadOf(ours);
    const baseSpread = spreadOf(base);
    const ratio = oursSpread.median / baseSpread.median;
    const rows: ResultRow[] = [
      {
        scenario: `${farm.bots.length} bots, ${CHATS} chats, ${CONNECTIONS} connections`,
        metric: "accepted/s",
        unit: "req/s",
        ours: oursSpread,
        baseline: baseSpread,
        ratio,
        target: { text: `>= ${TARGET_RATIO} of bare node:http`, met: ratio >= TARGET_RATIO },
      },
      { scenario: "same", metric: "answer p99", unit: "ms", ours: spreadOf(oursP99), baseline: spreadOf(baseP99) },
      { scenario: "same", metric: "server CPU per accepted update, during load", unit: "us", ours: spreadOf(oursCpu), baseline: spreadOf(baseCpu) },
      { scenario: "same", metric: "server CPU per update, accept + handle", unit: "us", ours: spreadOf(oursCpuTotal) },
      { scenario: "same", metric: "accepted updates handled", unit: "share", ours: spreadOf(handledShare) },
    ];
    await service.child.stop();
    await bare.child.stop();
    return {
      suite: "ingest",
      baseline: "bare node:http server (read, JSON.parse, look up bot, constant-time key check, answer)",
      rows,
      notes: ["MAX_BACKLOG=2000000 and MAX_BOT_BACKLOG=1000000 for this suite, so accepted/s measures intake, not the backlog limit."],
    };
  } finally {
    await standIn.child.stop();
    farm.cleanup();
  }
}
