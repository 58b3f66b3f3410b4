/**
 * Journal group commit against a real Redis: records settled together go in few `drf_save` jobs,
 * at most JOURNAL_BATCH_MAX each; each add resolves once its job is in Redis and rejects when
 * Redis refused the write; a worker then delivers every record exactly once.
 */
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { parseServiceConfig } from "../config/service-config.ts";
import { sampleRecord } from "../testing/journal-record-fixture.ts";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { JournalBatcher, type JournalBatch } from "./journal-batcher.ts";
import { createJournalProcessor } from "./journal-consumer.ts";
import { keyPrefixOf } from "./queue-names.ts";
import { freePort, redisSkipReason, SharedRedisScope, uniquePrefix } from "../testing/redis.ts";

const skipReason = await redisSkipReason();

function ids(records: readonly ProcessedUpdateRecord[]): number[] {
  return records.map((r) => r.update_id).sort((a, b) => a - b);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

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

  it("rejects when the Redis connection refuses the write (nothing listening, no offline queue)", async () => {
    const port = await freePort();
    const connection = new Redis(`redis://127.0.0.1:${port}`, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    connection.on("error", () => undefined);
    const queue = new Queue("drf_save", { connection, prefix: keyPrefixOf(uniquePrefix("refused")) });
    queue.on("error", () => undefined);
    try {
      const batcher = new JournalBatcher(queue, 100);
      const adds = [1, 2, 3].map((id) => batcher.add(sampleRecord({ update_id: id })));
      for (const add of adds) await expect(add).rejects.toThrow();
    } finally {
      await queue.close().catch(() => undefined);
      connection.disconnect();
    }
  });

  it("takes JOURNAL_BATCH_MAX from the config: 100 by default, a positive integer", () => {
    expect(parseServiceConfig({}).JOURNAL_BATCH_MAX).toBe(100);
    expect(parseServiceConfig({ JOURNAL_BATCH_MAX: "500" }).JOURNAL_BATCH_MAX).toBe(500);
    expect(() => parseServiceConfig({ JOURNAL_BATCH_MAX: "0" })).toThrow(/JOURNAL_BATCH_MAX/);
    expect(() => parseServiceConfig({ JOURNAL_BATCH_MAX: "ten" })).toThrow(/JOURNAL_BATCH_MAX/);
    expect(() => new JournalBatcher({ add: () => Promise.resolve({} as Job) }, 0)).toThrow(RangeError);
  });
});

describe.skipIf(skipReason !== undefined)(`drf_save group commit on Redis${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const redis = new SharedRedisScope();
  afterAll(() => redis.release());

  function queueFor(label: string): { queue: Queue; prefix: string; connection: Redis } {
    const { prefix, connection } = redis.open(label);
    const queue = new Queue("drf_save", { connection, prefix: keyPrefixOf(prefix) });
    redis.onRelease(() => queue.close());
    return { queue, prefix, connection };
  }

  async function batchesIn(queue: Queue): Promise<ProcessedUpdateRecord[][]> {
    const jobs = await queue.getJobs(["waiting"]);
    return jobs.map((job) => (job.data as JournalBatch).records);
  }

  it("puts records settled while a write is under way into the next job, and resolves each add once its job is stored", async () => {
    const { queue } = queueFor("batch");
    const batcher = new JournalBatcher(queue, 100);
    const stored: number[] = [];
    await Promise.all(
      range(50).map(async (id) => {
        await batcher.add(sampleRecord({ update_id: id }));
        // Resolved: the record is in a job Redis holds now.
        const held = (await batchesIn(queue)).flat();
        if (held.some((r) => r.update_id === id)) stored.push(id);
      }),
    );
    expect(stored).toHaveLength(50);
    const batches = await batchesIn(queue);
    // The first record went alone (nothing was being written); the 49 settled meanwhile went together.
    expect(batches.map((b) => b.length).sort((a, b) => a - b)).toEqual([1, 49]);
    expect(ids(batches.flat())).toEqual(range(50));
  });

  it("puts at most JOURNAL_BATCH_MAX records in one job", async () => {
    const { queue } = queueFor("batch-max");
    const batcher = new JournalBatcher(queue, 10);
    await Promise.all(range(35).map((id) => batcher.add(sampleRecord({ update_id: id }))));
    const sizes = (await batchesIn(queue)).map((b) => b.length).sort((a, b) => a - b);
    expect(sizes).toEqual([1, 4, 10, 10, 10]);
  });

  it("turns many concurrent adds into fewer jobs than records, and a worker delivers every record exactly once", async () => {
    const { queue, prefix, connection } = queueFor("end-to-end");
    const batcher = new JournalBatcher(queue, 100);
    const delivered: number[] = [];
    const worker = new Worker("drf_save", createJournalProcessor({ deliver: (r) => Promise.resolve(void delivered.push(r.update_id)) }, { concurrency: 4, logger: pino({ level: "silent" }) }), {
      connection: connection.duplicate(),
      prefix: keyPrefixOf(prefix),
      concurrency: 4,
    });
    redis.onRelease(() => worker.close());
    // Waves of settlements, as several partitions finishing while a write is under way.
    for (let wave = 0; wave < 4; wave++) {
      await Promise.all(range(100).map((i) => batcher.add(sampleRecord({ update_id: wave * 100 + i }))));
    }
    const deadline = Date.now() + 10_000;
    while (delivered.length < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(delivered.sort((a, b) => a - b)).toEqual(range(400));
    const counts = await queue.getJobCounts("completed", "failed", "wait", "active");
    expect(counts.failed).toBe(0);
    expect(counts.completed).toBeLessThan(400 / 10);
  });
});
