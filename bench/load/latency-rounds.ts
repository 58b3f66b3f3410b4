/**
 * Latency of one server at a steady rate, round after round: is a p99 the server's own, or the
 * machine's? One side only (the embedded default, `DURABILITY=memory`, or the grammY
 * `webhookCallback` baseline), the bench's 1000 bots and 10,000 chats, and a paced load of
 * `--rate` updates/s for each round of `--rounds` (seconds each, the first one a warm-up); prints
 * p50, p99 and max per round, and with `--trace-gc` the longest GC pauses of the server.
 *
 *   node --import tsx bench/load/latency-rounds.ts [--side durable|memory|grammy] [--rate 500]
 *     [--rounds 2,5,5,5,5] [--bots 1000] [--trace-gc]
 */
import { parseArgs } from "node:util";
import { createBotFarm, writeFarmManifest } from "../lib/bot-farm.ts";
import { parseBenchOptions } from "../lib/options.ts";
import { startBaseline, startService, startStandIn, waitBotsReady } from "../lib/systems.ts";
import { grammyTargets, measureDelivery, serviceTargets, type Side } from "../suites/end-to-end.ts";

const { values } = parseArgs({
  options: {
    side: { type: "string", default: "durable" },
    rate: { type: "string", default: "500" },
    rounds: { type: "string", default: "2,5,5,5,5" },
    bots: { type: "string", default: "1000" },
    "trace-gc": { type: "boolean", default: false },
  },
});
const side = values.side;
if (side !== "durable" && side !== "memory" && side !== "grammy") throw new Error(`--side ${side}: durable, memory or grammy`);
const rate = Number(values.rate);
const rounds = values.rounds.split(",").map(Number);
const nodeFlags = values["trace-gc"] ? ["--trace-gc"] : [];

const options = parseBenchOptions([], "bench/results");
const ctx = { options, log: (message: string) => console.error(message), serviceNodeFlags: () => nodeFlags };
const farm = createBotFarm(Number(values.bots));
const standIn = await startStandIn();
try {
  const server =
    side === "grammy"
      ? await startBaseline("grammy-fastify", "bench/baselines/grammy-fastify-server.ts", [writeFarmManifest(farm), standIn.client.apiRoot])
      : await startService(farm, standIn.client.apiRoot, { env: side === "memory" ? { DURABILITY: "memory" } : {}, nodeFlags });
  if (side !== "grammy") await waitBotsReady(server.url, farm.bots.length);
  await standIn.client.reset();
  await standIn.client.calibrate();
  const targets = side === "grammy" ? grammyTargets(farm.bots) : serviceTargets(farm.bots);
  const measured: Side = { name: side, url: server.url, targets, pids: [server.child.pid] };
  let idBase = 1;
  for (const [i, seconds] of rounds.entries()) {
    const m = await measureDelivery({ ...ctx, options: { ...options, durationSeconds: seconds } }, standIn, measured, rate, (idBase += 10_000_000));
    console.log(`${side} round ${i + 1} (${seconds} s at ${rate}/s${i === 0 ? ", warm-up" : ""}): p50 ${m.stats.p50Ms.toFixed(1)} ms, p99 ${m.stats.p99Ms.toFixed(1)} ms, max ${m.stats.maxMs.toFixed(0)} ms, CPU ${m.cpuUsPerUpdate.toFixed(0)} us/update`);
  }
  if (values["trace-gc"]) {
    const pauses = server.child.lines.map((line) => /(Scavenge|Mark-Compact)\S* .*? ([\d.]+) \/ [\d.]+ ms/.exec(line)).filter((m) => m !== null);
    const longest = pauses.map((m) => Number(m[2])).sort((a, b) => b - a);
    console.log(`GC: ${pauses.length} pauses (${pauses.filter((m) => m[1] === "Mark-Compact").length} mark-compact), longest ${longest.slice(0, 5).join(", ")} ms`);
  }
  await server.child.stop();
} finally {
  await standIn.child.stop();
  farm.cleanup();
}
