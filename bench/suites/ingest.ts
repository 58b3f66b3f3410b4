/**
 * Part 1, ingest: `POST /internal/update` accepted per second, 100 bots, updates over 1000 chats,
 * processing on (every update is handled and replied to at the stand-in), against a bare
 * `node:http` server doing the minimum. Closed-loop autocannon in its own process; A/B alternated.
 *
 * A second service process measures intake alone ("handling parked"): its Bot API root is a
 * socket that never answers, so its bots stay `starting` and every accepted update waits in the
 * backlog. That is the revised target's figure (docs/performance.md): with processing on, the same
 * two cores also handle every update, which the bare server never does.
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
import { createServer, type Server, type Socket } from "node:net";

const BOTS = 100;
const CHATS = 1000;
const CONNECTIONS = 64;
const TARGET_RATIO = 0.8;

/** A Bot API root that accepts connections and never answers: bots pointed at it never finish getMe. */
async function startBlackHole(): Promise<{ apiRoot: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("black hole: no port");
  return {
    apiRoot: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function runIngest(ctx: SuiteContext): Promise<SuiteResult> {
  const { options } = ctx;
  const farm = createBotFarm(options.quick ? 10 : BOTS);
  const manifest = writeFarmManifest(farm);
  const standIn = await startStandIn();
  const blackHole = await startBlackHole();
  try {
    const service = await startService(farm, standIn.client.apiRoot, {
      env: { MAX_BACKLOG: "2000000", MAX_BOT_BACKLOG: "1000000" },
      nodeFlags: ctx.serviceNodeFlags("ingest"),
    });
    await waitBotsReady(service.url, farm.bots.length);
    // A fresh parked service per round: what it accepted stays in its heap, and a heap grown by
    // every earlier round would charge this round's intake with the collector's work on it.
    const startParked = () =>
      startService(farm, blackHole.apiRoot, {
        env: { MAX_BACKLOG: "10000000", MAX_BOT_BACKLOG: "10000000", API_TIMEOUT_SECONDS: "3600", SHUTDOWN_DEADLINE_MS: "500" },
        nodeFlags: ctx.serviceNodeFlags("ingest-parked"),
      });
    // It reports every parked update as unfinished on the way out: give it time (and a CPU profile).
    const stopParked = (child: { stop(graceMs?: number): Promise<void> }) => child.stop(60_000);
    const bare = await startBaseline("bare-ingest", "bench/baselines/bare-ingest-server.ts", [manifest]);
    const targets: LoadTarget[] = farm.bots.map((bot) => ({ path: "/internal/update", botName: bot.name, headers: { "x-internal-key": bot.key }, envelope: true }));
    let idBase = 1;
    const load = async (baseUrl: string, seconds: number): Promise<AutocannonOutput> => {
      const plan: LoadPlan = { baseUrl, targets, chats: CHATS, idBase };
      idBase += 10_000_000;
      const input: AutocannonInput = { plan, connections: CONNECTIONS, durationSeconds: seconds, ...(options.maxRequests === undefined ? {} : { amount: options.maxRequests }) };
      return runJsonScript<AutocannonOutput>("autocannon", "bench/load/autocannon-load.ts", input, (seconds + 60) * 1000);
    };
    const drain = async (accepted: number) => {
      const replies = await standIn.client.waitForReplies(accepted, options.quick ? 500 : 10_000, 600_000);
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
    const parkedRate: number[] = [];
    const parkedP99: number[] = [];
    const parkedCpu: number[] = [];
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
      const parked = await startParked();
      if (!options.quick) await load(parked.url, 1); // warm-up (JIT), not counted
      const parkedCpu0 = cpuMs(parked.child.pid);
      const c = await load(parked.url, options.durationSeconds);
      parkedCpu.push(((cpuMs(parked.child.pid) - parkedCpu0) * 1000) / Math.max(1, c.ok));
      await stopParked(parked.child);
      parkedRate.push(c.okPerSecond);
      parkedP99.push(c.p99Ms);
      ctx.log(
        `ingest round ${round}: ours ${a.okPerSecond.toFixed(0)}/s (non-2xx ${a.requests - a.ok}, ${oursCpu.at(-1)?.toFixed(0)} CPU-us per accepted during load, ${oursCpuTotal.at(-1)?.toFixed(0)} incl. drain), ` +
          `bare ${b.okPerSecond.toFixed(0)}/s (${baseCpu.at(-1)?.toFixed(0)} CPU-us per request), ` +
          `parked ${c.okPerSecond.toFixed(0)}/s (non-2xx ${c.requests - c.ok}, ${parkedCpu.at(-1)?.toFixed(0)} CPU-us per accepted)`,
      );
    }
    const oursSpread = spreadOf(ours);
    const baseSpread = spreadOf(base);
    const ratio = oursSpread.median / baseSpread.median;
    const parkedSpread = spreadOf(parkedRate);
    const parkedRatio = parkedSpread.median / baseSpread.median;
    const rows: ResultRow[] = [
      {
        scenario: `intake, handling parked: ${farm.bots.length} bots, ${CHATS} chats, ${CONNECTIONS} connections`,
        metric: "accepted/s",
        unit: "req/s",
        ours: parkedSpread,
        baseline: baseSpread,
        ratio: parkedRatio,
        target: { text: `>= ${TARGET_RATIO} of bare node:http`, met: parkedRatio >= TARGET_RATIO },
      },
      { scenario: "intake, handling parked", metric: "answer p99", unit: "ms", ours: spreadOf(parkedP99), baseline: spreadOf(baseP99) },
      { scenario: "intake, handling parked", metric: "server CPU per accepted update", unit: "us", ours: spreadOf(parkedCpu), baseline: spreadOf(baseCpu) },
      {
        scenario: `processing on: ${farm.bots.length} bots, ${CHATS} chats, ${CONNECTIONS} connections`,
        metric: "accepted/s",
        unit: "req/s",
        ours: oursSpread,
        baseline: baseSpread,
        ratio,
      },
      { scenario: "processing on", metric: "answer p99", unit: "ms", ours: spreadOf(oursP99), baseline: spreadOf(baseP99) },
      { scenario: "processing on", metric: "server CPU per accepted update, during load", unit: "us", ours: spreadOf(oursCpu), baseline: spreadOf(baseCpu) },
      { scenario: "processing on", metric: "server CPU per update, accept + handle", unit: "us", ours: spreadOf(oursCpuTotal) },
      { scenario: "processing on", metric: "accepted updates handled", unit: "share", ours: spreadOf(handledShare) },
    ];
    await service.child.stop();
    await bare.child.stop();
    return {
      suite: "ingest",
      baseline: "bare node:http server (read, JSON.parse, look up bot, constant-time key check, answer)",
      rows,
      notes: [
        "MAX_BACKLOG=2000000 and MAX_BOT_BACKLOG=1000000 for this suite, so accepted/s measures intake, not the backlog limit.",
        "Handling parked: a second service whose Bot API root never answers, so its bots stay starting and accepted updates wait in its backlog (limits 10000000).",
      ],
    };
  } finally {
    await blackHole.close();
    await standIn.child.stop();
    farm.cleanup();
  }
}
