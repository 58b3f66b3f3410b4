/**
 * Chaos in the embedded default: a steady load (300 updates/s over 100 bots and 1000 chats,
 * inside Telegram's limits: 3/s per bot, 0.3/s per chat) from a gateway that retries until it
 * gets a 200, while the service is SIGKILLed twice and started again on the same DATA_DIR at
 * once. Counted at the stand-in: no accepted update without a reply, each chat's replies in the
 * order its updates were taken, and how many replies were sent twice (only what was running at a
 * kill may repeat).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { judgeChaos } from "../lib/chaos-check.ts";
import { createBotFarm } from "../lib/bot-farm.ts";
import { runJsonScript, sleep } from "../lib/processes.ts";
import type { ResultRow, SuiteResult } from "../lib/report.ts";
import { spreadOf } from "../lib/stats.ts";
import { startService, startStandIn, waitBotsReady, type ServiceProcess } from "../lib/systems.ts";
import type { AcceptedUpdate, GatewayLoadInput, GatewayLoadOutput } from "../load/gateway-load.ts";
import { chaosRows } from "./chaos-rows.ts";
import type { SuiteContext } from "./suite-context.ts";

export async function runChaosEmbedded(ctx: SuiteContext): Promise<SuiteResult> {
  const { quick } = ctx.options;
  const plan = quick ? { bots: 10, chats: 100, rate: 60, seconds: 4, kills: [1, 2.5] } : { bots: 100, chats: 1000, rate: 300, seconds: 40, kills: [12, 26] };
  const farm = createBotFarm(plan.bots);
  const standIn = await startStandIn();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-chaos-data-"));
  const work = mkdtempSync(path.join(os.tmpdir(), "bench-chaos-"));
  const env = { DATA_DIR: dataDir };
  let service: ServiceProcess | undefined;
  try {
    service = await startService(farm, standIn.client.apiRoot, { env });
    const port = Number(new URL(service.url).port);
    await waitBotsReady(service.url, farm.bots.length);
    await standIn.client.reset();
    const outputFile = path.join(work, "accepted.json");
    const input: GatewayLoadInput = { urls: [service.url], bots: farm.bots, chats: plan.chats, ratePerSecond: plan.rate, durationSeconds: plan.seconds, idBase: 1, outputFile };
    const load = runJsonScript<GatewayLoadOutput>("gateway-load", "bench/load/gateway-load.ts", input, (plan.seconds + 300) * 1000);
    const started = performance.now();
    const restartsMs: number[] = [];
    for (const at of plan.kills) {
      await sleep(Math.max(0, at * 1000 - (performance.now() - started)));
      const victim: ServiceProcess = service;
      victim.child.process.kill("SIGKILL");
      await victim.child.exited;
      const down = performance.now();
      service = await startService(farm, standIn.client.apiRoot, { env, port });
      restartsMs.push(performance.now() - down);
      ctx.log(`chaos-embedded: SIGKILLed the service at ${at} s, listening again after ${(performance.now() - down).toFixed(0)} ms`);
    }
    const loaded = await load;
    const accepted = JSON.parse(readFileSync(outputFile, "utf8")) as AcceptedUpdate[];
    const replies = await standIn.client.waitForReplies(accepted.length, 15_000, 300_000);
    const verdict = judgeChaos(accepted, replies);
    ctx.log(`chaos-embedded: ${JSON.stringify({ ...verdict, failedTries: loaded.failedTries })}`);
    const rows: ResultRow[] = [
      ...chaosRows(`embedded, ${plan.rate}/s, ${plan.bots} bots, ${plan.chats} chats, ${plan.seconds} s, SIGKILL x${plan.kills.length}`, verdict),
      { scenario: "embedded, restart", metric: "from SIGKILL to listening again", unit: "ms", ours: spreadOf(restartsMs) },
    ];
    return {
      suite: "chaos-embedded",
      baseline: "none: the run is judged on its own (nothing lost, order kept)",
      rows,
      notes: [`tries refused while the service was down: ${JSON.stringify(loaded.failedTries)}; lost examples: ${verdict.lostExamples.join(", ") || "none"}`],
    };
  } finally {
    await service?.child.stop();
    await standIn.child.stop();
    farm.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
