/**
 * Jobs an earlier version left under its key layout (every partition under `{cb}`), on the real
 * Redis: they are counted without a key being written, `jobs stats` shows them as a row of their
 * own, and a worker's check warns about them; a deployment without any stays quiet.
 */
import { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { parseServiceConfig } from "../config/service-config.ts";
import { LogCapture } from "../testing/log-capture.ts";
import { redisSkipReason, SHARED_REDIS_URL, SharedRedisScope } from "../testing/redis.ts";
import { runJobsCommand } from "./cli/jobs-command.ts";
import { EARLIER_LAYOUT_ROW, earlierLayoutCounts, warnAboutEarlierLayout } from "./earlier-key-layout.ts";
import { keyPrefixOf, partitionQueueName } from "./queue-names.ts";

const skipReason = await redisSkipReason();

async function stats(config: ReturnType<typeof parseServiceConfig>): Promise<Array<{ queue: string; waiting: number; failed: number }>> {
  let out = "";
  expect(await runJobsCommand(["stats", "--json"], config, { out: (t) => (out += t), err: (t) => (out += t) })).toBe(0);
  return JSON.parse(out) as Array<{ queue: string; waiting: number; failed: number }>;
}

describe.skipIf(skipReason !== undefined)(`jobs of the earlier key layout${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const redis = new SharedRedisScope();
  afterAll(() => redis.release());

  it("finds nothing in a deployment without any, and writes no key while looking", async () => {
    const { prefix, connection } = redis.open("earlier-none");
    const config = parseServiceConfig({ REDIS_URL: SHARED_REDIS_URL, QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: "4" });
    expect(await earlierLayoutCounts(connection, config)).toEqual({ queue: EARLIER_LAYOUT_ROW, waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 });
    expect((await stats(config)).map((row) => row.queue)).toEqual(["telegram_updates", "drf_save"]);
    const logs = new LogCapture();
    await warnAboutEarlierLayout(connection, config, pino({ level: "debug" }, logs));
    expect(logs.lines.filter((line) => line.level >= 40)).toEqual([]);
    expect(await connection.keys(`${keyPrefixOf(prefix)}:telegram_updates.*`)).toEqual([]);
  });

  it("counts updates an earlier version queued, shows them in jobs stats and warns about them", async () => {
    const { prefix, connection } = redis.open("earlier-left");
    const config = parseServiceConfig({ REDIS_URL: SHARED_REDIS_URL, QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: "4" });
    // What the earlier version wrote: partition 2 under the deployment's one tag.
    const earlier = new Queue(partitionQueueName(2), { connection, prefix: keyPrefixOf(prefix) });
    redis.onRelease(() => earlier.close());
    await earlier.add("update", { bot: "Old", update: { update_id: 1 }, accepted_at: Date.now() });
    await earlier.add("update", { bot: "Old", update: { update_id: 2 }, accepted_at: Date.now() }, { delay: 60_000 });

    expect(await earlierLayoutCounts(connection, config)).toMatchObject({ waiting: 1, delayed: 1, active: 0, failed: 0 });
    const rows = await stats(config);
    expect(rows.map((row) => row.queue)).toEqual(["telegram_updates", "drf_save", EARLIER_LAYOUT_ROW]);
    expect(rows[0]).toMatchObject({ waiting: 0 });
    expect(rows[2]).toMatchObject({ waiting: 1 });

    const logs = new LogCapture();
    await warnAboutEarlierLayout(connection, config, pino({ level: "info" }, logs));
    const warned = logs.lines.filter((line) => line.level === 40);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ waiting: 1, delayed: 1, keys: `${keyPrefixOf(prefix)}:telegram_updates.*` });
  });
});
