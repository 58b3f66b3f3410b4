/**
 * Queue-mode baseline, worker side: a bare BullMQ Worker that runs the farm's grammY bots on each
 * job (no ordering, no dedup, BullMQ's defaults otherwise). With BENCH_BULLMQ_PARTITIONS=N, one
 * Worker of concurrency 1 per partition queue, each queue of global concurrency 1: per-chat order
 * the way plain BullMQ allows it (the ordered baseline).
 *
 *   node --import tsx bench/baselines/bullmq-worker.ts <manifest.json> <apiRoot>
 *   env BENCH_REDIS_URL, BENCH_REDIS_CLUSTER, BENCH_BULLMQ_PREFIX; prints {"ready": true}
 */
import { Queue, Worker } from "bullmq";
import { readManifest } from "../lib/bot-farm.ts";
import { baselineConnection, baselinePrefixOf } from "./bullmq-connection.ts";
import { baselinePartitions, baselineQueueNames } from "./bullmq-queue-name.ts";
import { buildGrammyBots } from "./farm-bots.ts";

/** Jobs at once per worker process (a usual hand-written setting; the service's workers run one job per partition). */
const CONCURRENCY = 64;

async function main(): Promise<void> {
  const bots = await buildGrammyBots(readManifest(process.argv[2] ?? ""), process.argv[3] ?? "");
  const partitions = baselinePartitions();
  // Ordered: the partitions' Workers share one connection, as BullMQ's docs advise for many queues
  // (each Worker still opens its own blocking connection).
  const connection = baselineConnection({ shared: partitions > 0, worker: true });
  const workers: Array<Worker<{ bot_name: string; update: never }>> = [];
  for (const [i, name] of baselineQueueNames(partitions).entries()) {
    const options = { connection, prefix: baselinePrefixOf(i, partitions) };
    if (partitions > 0) {
      const queue = new Queue(name, options);
      await queue.setGlobalConcurrency(1);
      await queue.close();
    }
    const worker = new Worker<{ bot_name: string; update: never }>(
      name,
      async (job) => {
        await bots.get(job.data.bot_name)?.handleUpdate(job.data.update);
      },
      { ...options, concurrency: partitions > 0 ? 1 : CONCURRENCY },
    );
    workers.push(worker);
  }
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  process.on("SIGTERM", () => {
    Promise.all(workers.map((worker) => worker.close())).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bullmq-worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
