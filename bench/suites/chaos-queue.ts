/**
 * Chaos in queue mode: two API processes and three workers on a private Redis with an
 * append-only file fsynced on every write, under a steady 300 updates/s for 60 s over 100 bots and
 * 1000 chats (3/s per bot, 0.3/s per chat: inside Telegram's limits), from a gateway that sends
 * each update to the next API until one answers 200. Every 10 s one worker is SIGKILLed and a new
 * one started; Redis is SIGKILLed once and restarted; the Bot API answers a burst of 429s (with
 * retry_after) and a burst of 502s. Counted at the stand-in: nothing accepted lost, each chat in
 * order, replies sent twice reported (only what a killed worker had in flight may repeat). The
 * seconds-long smoke (`--quick`) keeps every kind of fault with one API, two workers, 4 s.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startOwnRedis, type OwnRedis } from "../../src/testing/redis.ts";
import { createBotFarm } from "../lib/bot-farm.ts";
import { judgeChaos } from "../lib/chaos-check.ts";
import { runJsonScript, sleep, startNodeScript, type Child } from "../lib/processes.ts";
import type { SuiteResult } from "../lib/report.ts";
import { serviceEnv, startService, startStandIn, waitBotsReady } from "../lib/systems.ts";
import type { AcceptedUpdate, GatewayLoadInput, GatewayLoadOutput } from "../load/gateway-load.ts";
import { chaosRows } from "./chaos-rows.ts";
import type { SuiteContext } from "./suite-context.ts";

const WORKER_MAIN = "src/worker-main.ts";

interface Plan {
  apis: number;
  workers: number;
  bots: number;
  chats: number;
  rate: number;
  seconds: number;
  workerKillsEverySeconds: number;
  redisKillAt: number;
  burst429At: number;
  burst502At: number;
  burstSize: number;
}

export async function runChaosQueue(ctx: SuiteContext): Promise<SuiteResult> {
  const plan: Plan = ctx.options.quick
    ? { apis: 1, workers: 2, bots: 10, chats: 100, rate: 40, seconds: 4, workerKillsEverySeconds: 2, redisKillAt: 2.5, burst429At: 1, burst502At: 3, burstSize: 10 }
    : { apis: 2, workers: 3, bots: 100, chats: 1000, rate: 300, seconds: 60, workerKillsEverySeconds: 10, redisKillAt: 30, burst429At: 20, burst502At: 40, burstSize: 200 };
  let redis: OwnRedis;
  try {
    redis = await startOwnRedis();
  } catch (error) {
    return { suite: "chaos-queue", baseline: "none", skipped: `no private redis-server could be started: ${error instanceof Error ? error.message : String(error)}`, rows: [], notes: [] };
  }
  const farm = createBotFarm(plan.bots);
  const standIn = await startStandIn();
  const work = mkdtempSync(path.join(os.tmpdir(), "bench-chaos-queue-"));
  const children: Child[] = [];
  // The full run keeps the defaults a user has (a killed worker's update waits out its 30 s lock);
  // the seconds-long smoke shortens the lock so it does not sit idle waiting for it.
  const locks: Record<string, string> = ctx.options.quick ? { QUEUE_LOCK_DURATION_MS: "2000", QUEUE_STALLED_INTERVAL_MS: "1000" } : {};
  const env = { REDIS_URL: redis.url, QUEUE_PREFIX: `chaos-${process.pid}`, ...locks };
  const startWorker = (i: number): Child => {
    const worker = startNodeScript(`worker-${i}`, WORKER_MAIN, [], { env: serviceEnv(farm, standIn.client.apiRoot, env), keepLines: 200 });
    children.push(worker);
    return worker;
  };
  try {
    const apis = await Promise.all(Array.from({ length: plan.apis }, () => startService(farm, standIn.client.apiRoot, { env })));
    children.push(...apis.map((api) => api.child));
    for (const api of apis) await waitBotsReady(api.url, farm.bots.length);
    const workers = Array.from({ length: plan.workers }, (_, i) => startWorker(i));
    await standIn.client.reset();
    const outputFile = path.join(work, "accepted.json");
    const input: GatewayLoadInput = { urls: apis.map((api) => api.url), bots: farm.bots, chats: plan.chats, ratePerSecond: plan.rate, durationSeconds: plan.seconds, idBase: 1, outputFile };
    const load = runJsonScript<GatewayLoadOutput>("gateway-load", "bench/load/gateway-load.ts", input, (plan.seconds + 600) * 1000);
    const started = performance.now();
    const at = (seconds: number) => sleep(Math.max(0, seconds * 1000 - (performance.now() - started)));
    const events: Array<{ at: number; run: () => Promise<void> }> = [];
    for (let t = plan.workerKillsEverySeconds, i = 0; t < plan.seconds; t += plan.workerKillsEverySeconds, i++) {
      const slot = i % workers.length;
      events.push({
        at: t,
        run: async () => {
          const victim = workers[slot] as Child;
          victim.process.kill("SIGKILL");
          await victim.exited;
          workers[slot] = startWorker(10 + i);
          ctx.log(`chaos-queue: SIGKILLed worker ${slot} at ${t} s and started another`);
        },
      });
    }
    events.push({
      at: plan.redisKillAt,
      run: async () => {
        await redis.kill();
        await sleep(2000);
        await redis.restart();
        ctx.log(`chaos-queue: SIGKILLed Redis at ${plan.redisKillAt} s, restarted it 2 s later`);
      },
    });
    events.push({ at: plan.burst429At, run: () => standIn.client.injectFault({ method: "sendMessage", times: plan.burstSize, fault: { kind: "too-many-requests", retryAfterSeconds: 1 } }) });
    events.push({ at: plan.burst502At, run: () => standIn.client.injectFault({ method: "sendMessage", times: plan.burstSize, fault: { kind: "server-error", status: 502 } }) });
    events.sort((a, b) => a.at - b.at);
    for (const event of events) {
      await at(event.at);
      await event.run();
    }
    const loaded = await load;
    const accepted = JSON.parse(readFileSync(outputFile, "utf8")) as AcceptedUpdate[];
    // A killed worker's update waits for its lock to expire (QUEUE_LOCK_DURATION_MS) before it runs again.
    const replies = await standIn.client.waitForReplies(accepted.length, 60_000, 600_000);
    const verdict = judgeChaos(accepted, replies);
    ctx.log(`chaos-queue: ${JSON.stringify({ ...verdict, failedTries: loaded.failedTries })}`);
    return {
      suite: "chaos-queue",
      baseline: "none: the run is judged on its own (nothing lost, order kept)",
      rows: chaosRows(`queue, ${plan.apis} API(s) + ${plan.workers} workers, ${plan.rate}/s, ${plan.bots} bots, ${plan.chats} chats, ${plan.seconds} s: worker SIGKILL every ${plan.workerKillsEverySeconds} s, Redis SIGKILL once, ${plan.burstSize} x 429 and x 502`, verdict),
      notes: [`tries not answered 200 (retried by the gateway): ${JSON.stringify(loaded.failedTries)}; lost examples: ${verdict.lostExamples.join(", ") || "none"}`],
    };
  } finally {
    for (const child of children) await child.stop(3000);
    await standIn.child.stop();
    await redis.stop();
    farm.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}
