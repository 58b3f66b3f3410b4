/**
 * The drf_save consumer against a real Redis: every record of a job goes to the sink once, even
 * when the sink fails part of a job (only the rest is retried) or refuses a record for good
 * (logged, the others go on); jobs of earlier versions (one record each) still deliver; the sink
 * sees at most JOURNAL_CONCURRENCY deliveries at once over all the jobs a worker runs.
 */
import { Queue, Worker } from "bullmq";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { sampleRecord } from "../testing/journal-record-fixture.ts";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { LogCapture } from "../testing/log-capture.ts";
import type { JournalBatch } from "./journal-batcher.ts";
import { createJournalProcessor, type QueueJournalSink } from "./journal-consumer.ts";
import { keyPrefixOf } from "./queue-names.ts";
import { redisSkipReason, SharedRedisScope } from "../testing/redis.ts";
import { until } from "../testing/until.ts";

const skipReason = await redisSkipReason();

describe.skipIf(skipReason !== undefined)(`drf_save consumer on Redis${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const redis = new SharedRedisScope();
  afterAll(() => redis.release());

  function deployment(label: string, sink: QueueJournalSink, options: { concurrency: number; logs?: LogCapture }): Queue {
    const { prefix, connection } = redis.open(label);
    const queue = new Queue("drf_save", { connection, prefix: keyPrefixOf(prefix), defaultJobOptions: { attempts: 3, backoff: { type: "custom" } } });
    const logger = options.logs === undefined ? pino({ level: "silent" }) : pino({ level: "info" }, options.logs);
    const worker = new Worker("drf_save", createJournalProcessor(sink, { concurrency: options.concurrency, logger }), {
      connection: connection.duplicate(),
      prefix: keyPrefixOf(prefix),
      concurrency: options.concurrency,
      settings: { backoffStrategy: () => 20 },
    });
    redis.onRelease(() => queue.close(), () => worker.close());
    return queue;
  }

  it("retries only the records not yet delivered, logs a refused record and goes on, and still delivers an old one-record job", async () => {
    const delivered: number[] = [];
    let failed3 = false;
    const sink: QueueJournalSink = {
      deliver(record: ProcessedUpdateRecord): Promise<void> {
        if (record.update_id === 3 && !failed3) {
          failed3 = true;
          return Promise.reject(new Error("backend 503"));
        }
        if (record.update_id === 4) return Promise.reject(Object.assign(new Error("backend 400"), { retryable: false }));
        delivered.push(record.update_id);
        return Promise.resolve();
      },
    };
    const logs = new LogCapture();
    const queue = deployment("consume", sink, { concurrency: 2, logs });
    const batch: JournalBatch = { records: [1, 2, 3, 4, 5].map((id) => sampleRecord({ update_id: id })) };
    await queue.add("records", batch);
    // As written by earlier versions: the job's data is the record itself.
    await queue.add("record", sampleRecord({ update_id: 6 }));
    await until(async () => (await queue.getJobCounts("completed")).completed === 2);
    // 1, 2 and 5 were delivered before 3 failed once; the retry sent 3 alone.
    expect(delivered.sort((a, b) => a - b)).toEqual([1, 2, 3, 5, 6]);
    expect(logs.find("journal record not delivered", { update_id: 4 })).toHaveLength(1);
    expect(logs.find("journal record not delivered")).toHaveLength(1);
    expect(await queue.getJobCounts("completed", "failed")).toEqual({ completed: 2, failed: 0 });
  });

  it("keeps a job failed with only the records left when the attempts run out, each logged as not delivered", async () => {
    const delivered: number[] = [];
    const sink: QueueJournalSink = {
      deliver(record: ProcessedUpdateRecord): Promise<void> {
        if (record.update_id === 2) return Promise.reject(new Error("backend 503"));
        delivered.push(record.update_id);
        return Promise.resolve();
      },
    };
    const logs = new LogCapture();
    const queue = deployment("exhausted", sink, { concurrency: 2, logs });
    await queue.add("records", { records: [1, 2, 3].map((id) => sampleRecord({ update_id: id })) } satisfies JournalBatch);
    await until(async () => (await queue.getJobCounts("failed")).failed === 1);
    expect(delivered.sort((a, b) => a - b)).toEqual([1, 3]);
    const [job] = await queue.getFailed();
    expect(job?.attemptsMade).toBe(3);
    expect((job?.data as JournalBatch).records.map((r) => r.update_id)).toEqual([2]);
    expect(logs.find("journal record not delivered").map((l) => [l.update_id, l.attempts])).toEqual([[2, 3]]);
  });

  it("fails a job that holds neither records nor a record at once, without retrying it", async () => {
    const queue = deployment("malformed", { deliver: () => Promise.resolve() }, { concurrency: 1 });
    await queue.add("records", { something: "else" });
    await until(async () => (await queue.getJobCounts("failed")).failed === 1);
    const [job] = await queue.getFailed();
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/neither journal records/);
  });

  it("runs at most JOURNAL_CONCURRENCY deliveries at once over all the jobs a worker runs", async () => {
    let running = 0;
    let most = 0;
    let delivered = 0;
    const sink: QueueJournalSink = {
      async deliver(): Promise<void> {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        delivered++;
      },
    };
    const queue = deployment("bounded", sink, { concurrency: 2 });
    for (let j = 0; j < 3; j++) {
      const batch: JournalBatch = { records: Array.from({ length: 6 }, (_, i) => sampleRecord({ update_id: j * 10 + i })) };
      await queue.add("records", batch);
    }
    await until(() => delivered === 18);
    expect(most).toBe(2);
  });
});
