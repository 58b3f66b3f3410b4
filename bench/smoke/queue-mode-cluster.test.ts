/**
 * `npm run bench -- --quick --only queue` against a Redis Cluster of three masters (started for
 * this file): the service and the bare baseline deliver there too, and the suite reports each
 * shard's share of the commands and of the keys, the service's keys on more than one shard.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisClusterSkipReason, startRedisCluster, type LocalRedisCluster } from "../../src/testing/redis-cluster.ts";
import { runBenchSmoke, SMOKE_HANG_MS } from "./smoke-run.ts";

const skipReason = await redisClusterSkipReason();

describe.skipIf(skipReason !== undefined)(`npm run bench -- --quick --only queue on a Redis Cluster${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  let cluster: LocalRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("delivers, and reports the share of commands and keys of every shard", () => {
    const report = runBenchSmoke("queue", ["--rates", "none", "--ordered-baseline", "no"], { BENCH_REDIS_URL: cluster.url, BENCH_REDIS_CLUSTER: "true" });
    expect(report.suites[0]?.skipped).toBeUndefined();
    const rows = report.suites[0]?.rows ?? [];
    expect(rows.find((r) => r.scenario === "1 worker(s), saturation" && r.metric === "handled/s")?.ours.median).toBeGreaterThan(0);
    const shardRows = rows.filter((r) => r.scenario === "1 worker(s), saturation, Redis Cluster");
    const commands = shardRows.filter((r) => r.metric.endsWith("share of commands"));
    const keys = shardRows.filter((r) => r.metric.endsWith("share of keys"));
    expect(commands).toHaveLength(3);
    expect(keys).toHaveLength(3);
    const sum = (list: typeof keys) => list.reduce((total, r) => total + r.ours.median, 0);
    expect(sum(commands)).toBeCloseTo(1, 5);
    expect(sum(keys)).toBeCloseTo(1, 5);
    expect(keys.filter((r) => r.ours.median > 0).length).toBeGreaterThanOrEqual(2);
    // One shard holds the deployment's own tag, drf_save's.
    expect(commands.filter((r) => r.metric.includes("(drf_save)"))).toHaveLength(1);
  });
});
