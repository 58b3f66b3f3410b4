/**
 * Journal group commit against a real Redis: records settled together go in few `drf_save` jobs,
 * each add resolves once its job is in Redis, and the worker delivers every record once, even
 * when the sink fails part of a job (only the rest goes again).
 */
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { sampleRecord } from "../journal/journal-record-fixture.ts";
import { LogCapture } from "../testing/log-capture.ts";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { JournalBatcher, type JournalBatch } from "./journal-batcher.ts";
import { createJournalProcessor } from "./journal-consumer.ts";
import { deletePrefix, redisSkipReason, SHARED_REDIS_URL, uniquePrefix } from "./testing/redis-test-support.ts";
import { keyPrefixOf } from "./queue-names.ts";

const skipReason = await redisSkipReason();

describe("JournalBatcher without Redis", () => {
  it("rejects every add of a write that failed, and writes later records anew", async () => {
    let calls = 0;
    const batcher = new JournalBatcher(
      {
        add: () => {
          calls++;
          return calls === 1 ? Promise.reject(new Error("Redis refused")) : Promise.resolve({} as Job);
        },
      },
      100,
    );
    await expect(batcher.add(sampleRecord({ update_id: 1 }))).rejects.toThrow("Redis refused");
    await expect(batcher.add(sampleRecord({ update_id: 2 }))).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});

describe.skipIf(skipReason !== undefined)(`drf_save group commit on Redis${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const prefixes: string[] = [];
  const connections: Redis[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    for (const c of connections) c.disconnect();
    for (const p of prefixes) await deletePrefix(SHARED_REDIS_URL, p);
  });

  function queueFor(label: string): { queue: Queue; prefix: string; connection: Redis } {
    const prefix = uniquePrefix(label);
    prefixes.push(prefix);
    const connection = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(connection);
    const queue = new Queue("drf_save", { connection, prefix: keyPrefixOf(prefix) });
    closers.push(() => queue.close());
    return { queue, prefix, connection };
  }

  async function batchesIn(queue: Queue): Promise<ProcessedUpdateRecord[][]> {
    const jobs = await queue.getJobs(["waiting"]);
    return jobs.map((job) => (job.data as JournalBatch).records);
  }

  it("puts records settled while a write is under way into the next job, and resolves each add once its job is stored", async () => {
    const { queue } = queueFor("batch");
    const batcher = new JournalBatcher(queue, 100);
    await Promise.all(Array.from({ length: 50 }, (_, i) => batcher.add(sampleRecord({ update_id: i + 1 }))));
    const batches = await batchesIn(queue);
    // The first record went alone (nothing was being written); the 49 settled meanwhile went together.
    expect(batches.map((b) => b.length).sort((a, b) => a - b)).toEqual([1, 49]);
    expect(
      batches
        .flat()
        .map((r) => r.update_id)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it("puts at most JOURNAL_BATCH_MAX records in one job", async () => {
    const { queue } = queueFor("batch-max");
    const batcher = new JournalBatcher(queue, 10);
    await Promise.all(Array.from({ length: 35 }, (_, i) => batcher.add(sampleRecord({ update_id: i + 1 }))));
    const sizes = (await batchesIn(queue)).map((b) => b.length).sort((a, b) => a - b);
    expect(sizes).toEqual([1, 4, 10, 10, 10]);
  });

  it("delivers each record once: a sink failing part of a job gets only the rest again; a refused record is logged, the others go on; an old one-record job still delivers", async () => {
    const { queue, prefix, connection } = queueFor("consume");
    const delivered: number[] = [];
    const failedOnce = new Set<number>();
    const sink = {
      deliver(record: ProcessedUpdateRecord): Promise<void> {
        if (record.update_id === 3 && !failedOnce.has(3)) {
          failedOnce.add(3);
          return Promise.reject(new Error("backend 503"));
        }
        if (record.update_id === 4) return Promise.reject(Object.assign(new Error("backend 400"), { retryable: false }));
        delivered.push(record.update_id);
        return Promise.resolve();
      },
    };
    const logs = new LogCapture();
    const logger = pino({ level: "info" }, logs);
    const worker = new Worker("drf_save", createJournalProcessor(sink, { concurrency: 2, logger }), {
      connection: connection.duplicate(),
      prefix: keyPrefixOf(prefix),
      settings: { backoffStrategy: () => 20 },
    });
    closers.push(() => worker.close());
    const batch: JournalBatch = { records: [1, 2, 3, 4, 5].map((id) => sampleRecord({ update_id: id })) };
    await queue.add("records", batch, { attempts: 3, backoff: { type: "custom" } });
    await queue.add("record", sampleRecord({ update_id: 6 }), { attempts: 3, backoff: { type: "custom" } });
    const deadline = Date.now() + 10_000;
    while (delivered.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(delivered.sort((a, b) => a - b)).toEqual([1, 2, 3, 5, 6]);
    expect(logs.find("journal record not delivered", { update_id: 4 })).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    // Nothing delivered twice, and both jobs completed.
    expect(delivered).toHaveLength(5);
    expect(await queue.getJobCounts("completed", "failed")).toEqual({ completed: 2, failed: 0 });
  });

  it("runs at most JOURNAL_CONCURRENCY deliveries at once over all the jobs a worker runs", async () => {
    const { queue, prefix, connection } = queueFor("bounded");
    let running = 0;
    let most = 0;
    let delivered = 0;
    const sink = {
      async deliver(): Promise<void> {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        delivered++;
      },
    };
    const worker = new Worker("drf_save", createJournalProcessor(sink, { concurrency: 2, logger: pino({ level: "silent" }) }), {
      connection: connection.duplicate(),
      prefix: keyPrefixOf(prefix),
      concurrency: 2,
    });
    closers.push(() => worker.close());
    for (let j = 0; j < 3; j++) {
      const batch: JournalBatch = { records: Array.from({ length: 6 }, (_, i) => sampleRecord({ update_id: j * 10 + i })) };
      await queue.add("records", batch);
    }
    const deadline = Date.now() + 10_000;
    while (delivered < 18 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(delivered).toBe(18);
    expect(most).toBe(2);
  });
});
