/**
 * `jobs workers` against a real Redis: the live workers (stamped by WorkerMembership, as workers
 * do) with the share each of them watches; a worker that left is not listed.
 */
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { parseServiceConfig } from "../../config/service-config.ts";
import { workersKeyOf } from "../queue-names.ts";
import { redisSkipReason, SHARED_REDIS_URL, SharedRedisScope } from "../../testing/redis.ts";
import { WorkerMembership } from "../worker-membership.ts";
import { runJobsCommand } from "./jobs-command.ts";

const skipReason = await redisSkipReason();

async function jobs(args: string[], config: ReturnType<typeof parseServiceConfig>): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runJobsCommand(args, config, { out: (t) => out.push(t), err: (t) => out.push(t) });
  return { code, out: out.join("\n") };
}

describe.skipIf(skipReason !== undefined)(`jobs workers${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const redis = new SharedRedisScope();
  afterAll(() => redis.release());

  it("lists each live worker with its share of the partitions, and forgets one that left", async () => {
    const { prefix, connection } = redis.open("jobs-workers");
    const config = parseServiceConfig({ REDIS_URL: SHARED_REDIS_URL, QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: "20" });
    expect(await jobs(["workers"], config)).toEqual({ code: 0, out: "No live workers." });

    const members = ["w-2", "w-1"].map(
      (id) => new WorkerMembership({ redis: connection, key: workersKeyOf(prefix), id, heartbeatMs: 1_000, timeoutMs: 5_000, logger: pino({ level: "silent" }), onMembers: () => undefined }),
    );
    redis.onRelease(...members.map((m) => () => m.leave()));
    for (const m of members) await m.join();

    const listed = JSON.parse((await jobs(["workers", "--json"], config)).out) as Array<{ worker: string; seen_ms_ago: number; partitions: number[] }>;
    expect(listed.map((w) => [w.worker, w.partitions])).toEqual([
      ["w-1", [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]],
      ["w-2", [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]],
    ]);
    for (const w of listed) {
      expect(w.seen_ms_ago).toBeGreaterThanOrEqual(0);
      expect(w.seen_ms_ago).toBeLessThan(5_000);
    }
    const text = await jobs(["workers"], config);
    expect(text.out.split("\n")[0]).toMatch(/^worker\s+seen_ms_ago\s+partitions$/);
    expect(text.out).toContain("0,2,4,6,8,10,12,14,... (10)");

    await members[0]?.leave();
    const after = JSON.parse((await jobs(["workers", "--json"], config)).out) as Array<{ worker: string; partitions: number[] }>;
    expect(after).toEqual([expect.objectContaining({ worker: "w-1", partitions: Array.from({ length: 20 }, (_, i) => i) })]);
  });
});
