/**
 * Part 3, end to end in queue mode: the service with REDIS_URL (one API process) and 1 or 2 worker
 * processes (`src/worker-main.ts`), against a bare BullMQ producer and worker(s) running the
 * same handler files with no ordering or dedup. Same load, stand-in and figures as part 2.
 * Unless `--ordered-baseline no`, also an ordered BullMQ baseline: the bare one with per-chat order
 * the way plain BullMQ allows it (as many partition queues as the service, each of global
 * concurrency 1), reported against the bare one and ours against it: what ordering alone costs.
 *
 * Against a Redis Cluster (BENCH_REDIS_URL names one node, BENCH_REDIS_CLUSTER=true) the service
 * runs with REDIS_CLUSTER=true, the baselines with hash-tagged prefixes, and the suite adds each
 * shard's share of the Redis commands (at saturation) and of the keys a run leaves.
 *
 * Skipped, with the reason, while `src/worker-main.ts` does not exist or Redis is not
 * reachable. Every key either side creates carries a unique prefix and is deleted afterwards.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { BENCH_REDIS_CLUSTER, BENCH_REDIS_URL, BenchRedis, printableRedisUrl } from "../lib/bench-redis.ts";
import { createBotFarm, writeFarmManifest, type FarmBot } from "../lib/bot-farm.ts";
import { PROJECT_ROOT, startNodeScript, type Child } from "../lib/processes.ts";
import type { ResultRow, SuiteResult } from "../lib/report.ts";
import { spreadOf } from "../lib/stats.ts";
import { queueSettings } from "../../src/queue/queue-settings.ts";
import { redisAnswers } from "../../src/testing/redis.ts";
import { serviceEnv, startBaseline, startService, startStandIn, waitBotsReady, type StandInProcess } from "../lib/systems.ts";
import { deliveryRows, measureDelivery, redisCpuRows, serviceTargets, type Measurement, type Side } from "./end-to-end.ts";
import type { SuiteContext } from "./suite-context.ts";

const WORKER_MAIN = "src/worker-main.ts";
const REDIS_URL = BENCH_REDIS_URL;
const TARGET_RATIO = 0.7;
const BASELINE = "bare BullMQ producer (node:http) + BullMQ Worker(s), no ordering or dedup";
/** Partition queues of the ordered baseline: the service's default QUEUE_PARTITIONS. */
const ORDERED_PARTITIONS = 128;

/**
 * A Redis Cluster: each shard's share of the commands of the saturation runs, and of the keys
 * each side's run left (the service's dedup claims, one per update, are most of its keys). The
 * shard holding the deployment's own tag (`drf_save`, the worker set) is named: it carries more.
 */
function shardRows(scenario: string, redis: BenchRedis, slot: Slot, keys: { ours: number[]; base: number[]; deployment: number[] }): ResultRow[] {
  const shares = (ms: Measurement[], i: number) => spreadOf(ms.map((m) => m.redisCallShares?.[i] ?? Number.NaN));
  const keyShare = (counts: number[], i: number) => {
    const total = counts.reduce((sum, n) => sum + n, 0);
    return spreadOf([total === 0 ? Number.NaN : (counts[i] ?? 0) / total]);
  };
  const rows: ResultRow[] = [];
  const name = (address: string, i: number) => `shard ${address}${(keys.deployment[i] ?? 0) > 0 ? " (drf_save)" : ""}`;
  redis.shards.forEach((shard, i) => {
    rows.push({ scenario: `${scenario}, Redis Cluster`, metric: `${name(shard.address, i)}: share of commands`, unit: "share", ours: shares(slot.ours, i), baseline: shares(slot.base, i) });
  });
  redis.shards.forEach((shard, i) => {
    rows.push({ scenario: `${scenario}, Redis Cluster`, metric: `${name(shard.address, i)}: share of keys`, unit: "share", ours: keyShare(keys.ours, i), baseline: keyShare(keys.base, i) });
  });
  return rows;
}

function formatCalls(calls: Map<string, number> | undefined): string {
  if (calls === undefined) return "";
  return [...calls].sort((a, b) => b[1] - a[1]).filter(([, n]) => n >= 0.05).map(([command, n]) => `${command} ${n.toFixed(2)}`).join(", ");
}

/** Sends one update through the API and waits for its reply at the stand-in. */
async function probeThrough(url: string, bot: FarmBot, standIn: StandInProcess): Promise<void> {
  await standIn.client.reset();
  const update = { update_id: 1, message: { message_id: 1, date: 0, chat: { id: 1, type: "private" }, text: "probe" } };
  // 503 while the API's Redis connection is not up yet (a cluster's slots take a moment to learn).
  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await fetch(`${url}/internal/update`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-internal-key": bot.key },
      body: JSON.stringify({ bot_name: bot.name, update }),
    });
    if (response.ok) break;
    const text = await response.text();
    if (response.status !== 503 || Date.now() > deadline) throw new Error(`queue probe answered ${response.status}: ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const replies = await standIn.client.waitForReplies(1, 120_000, 120_000);
  if (replies.length < 1) throw new Error("queue probe: no reply within 120 s (workers not consuming?)");
}

/** A BullMQ baseline running: its producer's URL and the pids of its processes (producer first). */
interface BaselineSide {
  url: string;
  pids: number[];
}

/** Starts a BullMQ baseline (`env` picks bare or ordered): its producer, then `workers` workers. */
async function startBullmqBaseline(label: string, env: Record<string, string>, workers: number, manifest: string, apiRoot: string, children: Child[]): Promise<BaselineSide> {
  const producer = await startBaseline(`${label}-producer`, "bench/baselines/bullmq-producer.ts", [manifest], env);
  children.push(producer.child);
  const pids = [producer.child.pid];
  for (let i = 0; i < workers; i++) {
    const worker = startNodeScript(`${label}-worker-${i}`, "bench/baselines/bullmq-worker.ts", [manifest, apiRoot], { env });
    children.push(worker);
    pids.push(worker.pid);
    await worker.waitForJson((v) => v.ready === true, 120_000);
  }
  return { url: producer.url, pids };
}

/** Each side's measurements of one scenario, round after round. */
interface Slot {
  ours: Measurement[];
  base: Measurement[];
  ordered: Measurement[];
}

/**
 * The ordered baseline's figures: its throughput and costs against the bare baseline ("ours" is
 * the ordered baseline there), and ours against it.
 */
function orderedRows(scenario: string, slot: Slot): ResultRow[] {
  const tput = (ms: Measurement[]) => spreadOf(ms.map((m) => m.stats.handledPerSecond));
  const cpu = (ms: Measurement[]) => spreadOf(ms.map((m) => m.cpuUsPerUpdate));
  const p99 = (ms: Measurement[]) => spreadOf(ms.map((m) => m.stats.p99Ms));
  const ratio = (a: Measurement[], b: Measurement[]) => tput(a).median / tput(b).median;
  const rows: ResultRow[] = [
    { scenario: `${scenario}, ordered BullMQ vs bare`, metric: "handled/s", unit: "upd/s", ours: tput(slot.ordered), baseline: tput(slot.base), ratio: ratio(slot.ordered, slot.base) },
    // Whether a latency tail comes with the partition design itself (128 queues of one job at a time) or with our work.
    { scenario: `${scenario}, ordered BullMQ vs bare`, metric: "latency p99", unit: "ms", ours: p99(slot.ordered), baseline: p99(slot.base) },
    { scenario: `${scenario}, ordered BullMQ vs bare`, metric: "server CPU per handled update", unit: "us", ours: cpu(slot.ordered), baseline: cpu(slot.base) },
    ...redisCpuRows(`${scenario}, ordered BullMQ vs bare`, slot.ordered, slot.base),
    { scenario: `${scenario}, ours vs ordered BullMQ`, metric: "handled/s", unit: "upd/s", ours: tput(slot.ours), baseline: tput(slot.ordered), ratio: ratio(slot.ours, slot.ordered) },
  ];
  return rows;
}

export async function runQueueMode(ctx: SuiteContext): Promise<SuiteResult> {
  const skipped = (reason: string): SuiteResult => ({ suite: "queue", baseline: BASELINE, skipped: reason, rows: [], notes: [] });
  if (!existsSync(path.join(PROJECT_ROOT, WORKER_MAIN))) return skipped(`${WORKER_MAIN} does not exist yet (queue mode not built)`);
  if (!(await redisAnswers(REDIS_URL))) return skipped(`Redis not reachable at ${printableRedisUrl(REDIS_URL)}`);
  const prefixVar = "QUEUE_PREFIX" satisfies keyof typeof queueSettings;

  const { options } = ctx;
  const marker = `bench-${process.pid}-${Date.now()}`;
  const redis = await BenchRedis.open(REDIS_URL, BENCH_REDIS_CLUSTER);
  const farm = createBotFarm(options.deliveryBots);
  const manifest = writeFarmManifest(farm);
  const standIn = await startStandIn();
  const children: Child[] = [];
  try {
    const rows: ResultRow[] = [];
    const workerCounts = options.workerCounts;
    let idBase = 1;
    for (const workers of workerCounts) {
      const env = { REDIS_URL, [prefixVar]: `${marker}-ours-${workers}`, ...(BENCH_REDIS_CLUSTER ? { REDIS_CLUSTER: "true" } : {}) };
      const service = await startService(farm, standIn.client.apiRoot, { env, nodeFlags: ctx.serviceNodeFlags(`queue-${workers}w-api`) });
      children.push(service.child);
      const oursPids = [service.child.pid];
      // The workers start while the API's bots get ready: neither waits for the other.
      for (let i = 0; i < workers; i++) {
        const worker = startNodeScript(`worker-${i}`, WORKER_MAIN, [], {
          env: serviceEnv(farm, standIn.client.apiRoot, env),
          nodeFlags: ctx.serviceNodeFlags(`queue-${workers}w-worker-${i}`),
          keepLines: 200,
        });
        children.push(worker);
        oursPids.push(worker.pid);
      }
      await waitBotsReady(service.url, farm.bots.length);
      // Workers run at LOG_LEVEL=warn (see serviceEnv), so they print no "started"
      // line: readiness is an update going through API, Redis and a worker to the stand-in.
      await probeThrough(service.url, farm.bots[0] as FarmBot, standIn);
      const baseEnv = { BENCH_REDIS_URL: REDIS_URL, BENCH_REDIS_CLUSTER: String(BENCH_REDIS_CLUSTER), BENCH_BULLMQ_PREFIX: `${marker}-base-${workers}` };
      const orderedEnv = { ...baseEnv, BENCH_BULLMQ_PREFIX: `${marker}-ordered-${workers}`, BENCH_BULLMQ_PARTITIONS: String(ORDERED_PARTITIONS) };
      const [bare, orderedBaseline] = await Promise.all([
        startBullmqBaseline("bullmq", baseEnv, workers, manifest, standIn.client.apiRoot, children),
        options.orderedBaseline ? startBullmqBaseline("bullmq-ordered", orderedEnv, workers, manifest, standIn.client.apiRoot, children) : undefined,
      ]);
      await standIn.client.reset();
      await standIn.client.calibrate();
      const probe = await redis.probe();
      const ours: Side = { name: "service+queue", url: service.url, targets: serviceTargets(farm.bots), pids: oursPids, redis: probe };
      const base: Side = { name: "BullMQ", url: bare.url, targets: serviceTargets(farm.bots), pids: bare.pids, redis: probe };
      const ordered: Side | undefined =
        orderedBaseline === undefined ? undefined : { name: "ordered BullMQ", url: orderedBaseline.url, targets: serviceTargets(farm.bots), pids: orderedBaseline.pids, redis: probe };
      const scenarios: Array<number | undefined> = [...options.rates, undefined];
      const results = new Map<number | undefined, Slot>(scenarios.map((r) => [r, { ours: [], base: [], ordered: [] }]));
      const perProcess = (m: Measurement) => `${m.cpuUsPerUpdateByProcess.map((us) => us.toFixed(0)).join(", ")} us`;
      for (let round = 1; round <= options.rounds; round++) {
        for (const rate of scenarios) {
          const slot = results.get(rate) as Slot;
          const a = await measureDelivery(ctx, standIn, ours, rate, (idBase += 10_000_000));
          const b = await measureDelivery(ctx, standIn, base, rate, (idBase += 10_000_000));
          const c = ordered === undefined ? undefined : await measureDelivery(ctx, standIn, ordered, rate, (idBase += 10_000_000));
          slot.ours.push(a);
          slot.base.push(b);
          if (c !== undefined) slot.ordered.push(c);
          const orderedText = c === undefined ? "" : `, ordered BullMQ ${c.stats.handledPerSecond.toFixed(0)}/s`;
          ctx.log(`queue ${workers} worker(s) round ${round} ${rate === undefined ? "saturation" : `${rate}/s`}: ours ${a.stats.handledPerSecond.toFixed(0)}/s, BullMQ ${b.stats.handledPerSecond.toFixed(0)}/s${orderedText}`);
          ctx.log(`  CPU per update by process (API/producer, workers), ours: ${perProcess(a)}; BullMQ: ${perProcess(b)}${c === undefined ? "" : `; ordered BullMQ: ${perProcess(c)}`}`);
          ctx.log(`  Redis calls per update, ours: ${formatCalls(a.redisCallsPerUpdate)}`);
          ctx.log(`  Redis calls per update, BullMQ: ${formatCalls(b.redisCallsPerUpdate)}`);
          if (a.redisCallShares !== undefined) ctx.log(`  share of Redis commands by shard, ours: ${a.redisCallShares.map((v) => v.toFixed(2)).join(", ")}; BullMQ: ${(b.redisCallShares ?? []).map((v) => v.toFixed(2)).join(", ")}`);
          if (c !== undefined) ctx.log(`  Redis calls per update, ordered BullMQ: ${formatCalls(c.redisCallsPerUpdate)}`);
        }
      }
      for (const rate of scenarios) {
        const slot = results.get(rate) as Slot;
        const scenario = `${workers} worker(s), ${rate === undefined ? "saturation" : `offered ${rate}/s`}`;
        const target = rate === undefined ? { ratio: TARGET_RATIO, text: `>= ${TARGET_RATIO} of bare BullMQ` } : undefined;
        rows.push(...deliveryRows(scenario, slot.ours, slot.base, target));
        if (slot.ordered.length > 0) rows.push(...orderedRows(scenario, slot));
        if (redis.cluster && rate === undefined) {
          const ours = `${marker}-ours-${workers}`;
          const keys = { ours: await redis.keysByShard(ours), base: await redis.keysByShard(`${marker}-base-${workers}`), deployment: await redis.keysByShard(`{${ours}}:`) };
          rows.push(...shardRows(scenario, redis, slot, keys));
        }
      }
      for (const child of children.splice(0)) await child.stop();
    }
    const where = redis.cluster ? `a Redis Cluster of ${redis.shards.length} masters (${redis.shards.map((shard) => shard.address).join(", ")}), reached through ${printableRedisUrl(REDIS_URL)}` : `Redis at ${printableRedisUrl(REDIS_URL)}`;
    return { suite: "queue", baseline: BASELINE, rows, notes: [`${where}; keys prefixed ${marker}-* and deleted afterwards.`] };
  } finally {
    for (const child of children) await child.stop();
    await standIn.child.stop();
    const deleted = await redis.deleteKeys(marker).catch(() => 0);
    ctx.log(`queue: deleted ${deleted} Redis keys`);
    redis.close();
    farm.cleanup();
  }
}
