/**
 * Queue-mode baseline, worker side: a bare BullMQ Worker that runs the farm's grammY bots on each
 * job (no ordering, no dedup, BullMQ's defaults otherwise).
 *
 *   node --import tsx bench/baselines/bullmq-worker.ts <manifest.json> <apiRoot>
 *   env BENCH_REDIS_URL, BENCH_BULLMQ_PREFIX; prints {"ready": true}
 */
import { Worker } from "bullmq";
import { readManifest } from "../lib/bot-farm.ts";
import { BASELINE_QUEUE } from "./bullmq-queue-name.ts";
import { buildGrammyBots } from "./farm-bots.ts";

/** Jobs at once per worker process (a usual hand-written setting; the service's workers run one job per partition). */
const CONCURRENCY = 64;

async function main(): Promise<void> {
  const bots = await buildGrammyBots(readManifest(process.argv[2] ?? ""), process.argv[3] ?? "");
  const worker = new Worker<{ bot_name: string; update: never }>(
    BASELINE_QUEUE,
    async (job) => {
      await bots.get(job.data.bot_name)?.handleUpdate(job.data.update);
    },
    { connection: { url: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379" }, prefix: process.env.BENCH_BULLMQ_PREFIX ?? "bench", concurrency: CONCURRENCY },
  );
  await worker.waitUntilReady();
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  process.on("SIGTERM", () => {
    worker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bullmq-worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
