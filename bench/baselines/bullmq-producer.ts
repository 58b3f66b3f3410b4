/**
 * Queue-mode baseline, producer side: a bare `node:http` server that checks the bot's key and
 * adds the update to one BullMQ queue, nothing else (no ordering, no dedup). With
 * BENCH_BULLMQ_PARTITIONS=N it adds to the update's chat partition instead (the ordered baseline).
 *
 *   node --import tsx bench/baselines/bullmq-producer.ts <manifest.json>
 *   env BENCH_REDIS_URL, BENCH_REDIS_CLUSTER, BENCH_BULLMQ_PREFIX; prints {"listening": url}
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import { Queue } from "bullmq";
import { readManifest } from "../lib/bot-farm.ts";
import { baselineConnection, baselinePrefixOf } from "./bullmq-connection.ts";
import { baselinePartitions, baselineQueueIndex, baselineQueueNames } from "./bullmq-queue-name.ts";

const keys = new Map<string, Buffer>();
for (const bot of readManifest(process.argv[2] ?? "")) keys.set(bot.name, Buffer.from(bot.key));
const partitions = baselinePartitions();
// Ordered: the partition queues share one connection, as the ordered worker's do (and the
// service's producer); otherwise each of them would open its own.
const connection = baselineConnection({ shared: partitions > 0, worker: false });
const queues = baselineQueueNames(partitions).map((name, i) => new Queue(name, { connection, prefix: baselinePrefixOf(i, partitions) }));
const ACCEPTED = JSON.stringify({ accepted: true });

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let body: { bot_name?: unknown; update?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
    } catch {
      return answer(res, 400, '{"error":"MALFORMED_JSON"}');
    }
    const expected = typeof body.bot_name === "string" ? keys.get(body.bot_name) : undefined;
    if (expected === undefined) return answer(res, 404, '{"error":"UNKNOWN_BOT"}');
    const presented = Buffer.from(String(req.headers["x-internal-key"] ?? ""));
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return answer(res, 403, '{"error":"WRONG_INTERNAL_KEY"}');
    const queue = queues[baselineQueueIndex(body.bot_name as string, body.update, partitions)] as Queue;
    queue.add("update", { bot_name: body.bot_name, update: body.update }, { removeOnComplete: true, removeOnFail: true }).then(
      () => answer(res, 200, ACCEPTED),
      () => answer(res, 503, '{"error":"QUEUE_UNAVAILABLE"}'),
    );
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${address.port}` })}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  Promise.all(queues.map((queue) => queue.close())).then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
