/**
 * `jobs failed` / `jobs retry` on the journal queue, through the command itself against a real
 * Redis: a drf_save job whose records the sink kept refusing is listed with its records' bots and
 * error, filtered by bot, and run again with its attempts counted anew, after which every record
 * it held is delivered.
 */
import { Worker } from "bullmq";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { parseServiceConfig } from "../../config/service-config.ts";
import { sampleRecord } from "../../testing/journal-record-fixture.ts";
import type { ProcessedUpdateRecord } from "../../processing/update-job.ts";
import { createJournalProcessor } from "../journal-consumer.ts";
import { keyPrefixOf } from "../queue-names.ts";
import { redisSkipReason, SHARED_REDIS_URL, SharedRedisScope } from "../../testing/redis.ts";
import { openQueues } from "../update-queues.ts";
import { runJobsCommand } from "./jobs-command.ts";
import { until } from "../../testing/until.ts";

const skipReason = await redisSkipReason();

interface FailedJournal {
  id: string;
  records: number;
  bots: string;
  error: string;
  failed_at: string;
}

describe.skipIf(skipReason !== undefined)(`jobs failed / retry on drf_save${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const redis = new SharedRedisScope();
  afterAll(() => redis.release());

  it("lists a failed drf_save job with its records' bots, filters by bot, and retries it with fresh attempts until its records are delivered", async () => {
    const { prefix, connection } = redis.open("jobs-journal");
    const config = parseServiceConfig({ REDIS_URL: SHARED_REDIS_URL, QUEUE_PREFIX: prefix, JOURNAL_MAX_ATTEMPTS: "2" });
    const queues = openQueues(connection, config, pino({ level: "silent" }));
    redis.onRelease(() => queues.close());

    // The sink refuses everything at first; after the retry, each record fails once more, then goes.
    let phase: "refuse" | "once" = "refuse";
    const failedOnce = new Set<number>();
    const delivered: number[] = [];
    const sink = {
      deliver(record: ProcessedUpdateRecord): Promise<void> {
        if (phase === "refuse") return Promise.reject(new Error("journal backend 503"));
        if (!failedOnce.has(record.update_id)) {
          failedOnce.add(record.update_id);
          return Promise.reject(new Error("journal backend 503 again"));
        }
        delivered.push(record.update_id);
        return Promise.resolve();
      },
    };
    const worker = new Worker("drf_save", createJournalProcessor(sink, { concurrency: 2, logger: pino({ level: "silent" }) }), {
      connection: connection.duplicate(),
      prefix: keyPrefixOf(prefix),
      settings: { backoffStrategy: () => 20 },
    });
    redis.onRelease(() => worker.close());

    await queues.journal.add("records", { records: [sampleRecord({ update_id: 1, bot_name: "AlphaBot" }), sampleRecord({ update_id: 2, bot_name: "BetaBot" })] });
    await until(async () => (await queues.journal.getFailedCount()) === 1);

    const io = { out: "", err: "" };
    const cli = async (args: string[]) => {
      io.out = "";
      io.err = "";
      const code = await runJobsCommand(args, config, { out: (t) => (io.out += t), err: (t) => (io.err += t) });
      return { code, out: io.out, err: io.err };
    };

    const listed = await cli(["failed", "--queue", "drf_save", "--json"]);
    expect(listed.code).toBe(0);
    const failed = JSON.parse(listed.out) as FailedJournal[];
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ records: 2, bots: "AlphaBot,BetaBot" });
    expect(failed[0]?.id).toMatch(/^drf_save\//);
    expect(failed[0]?.error).toContain("journal backend 503");
    expect(JSON.parse((await cli(["failed", "--queue", "drf_save", "--bot", "BetaBot", "--json"])).out)).toHaveLength(1);
    expect(JSON.parse((await cli(["failed", "--queue", "drf_save", "--bot", "GammaBot", "--json"])).out)).toHaveLength(0);
    // The updates queue has no failed job: the journal's failures are listed only under --queue drf_save.
    expect((await cli(["failed"])).out).toBe("No failed updates.");
    expect(await cli(["failed", "--queue", "nowhere"])).toMatchObject({ code: 1, err: expect.stringContaining("--queue must be telegram_updates or drf_save") as unknown });

    phase = "once";
    const retried = await cli(["retry", failed[0]?.id ?? ""]);
    expect(retried).toMatchObject({ code: 0, out: "Retried 1 failed drf_save job(s)." });
    // Two attempts again (JOURNAL_MAX_ATTEMPTS=2): the first fails, the second delivers both records.
    await until(() => delivered.length === 2);
    expect(delivered.sort()).toEqual([1, 2]);
    await until(async () => (await queues.journal.getFailedCount()) === 0 && (await queues.journal.getWaitingCount()) === 0);
    expect((await cli(["failed", "--queue", "drf_save"])).out).toBe("No failed drf_save jobs.");
    expect(await cli(["retry", "--all", "--queue", "drf_save"])).toMatchObject({ code: 0, out: "Retried 0 failed drf_save job(s)." });
  });
});
