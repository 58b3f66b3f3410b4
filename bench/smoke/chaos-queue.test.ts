import { describe, expect, it } from "vitest";
import { redisSkipReason } from "../../src/testing/redis.ts";
import { runBenchSmoke, SMOKE_HANG_MS, smokeMetric } from "./smoke-run.ts";

const redisSkip = await redisSkipReason();

describe("npm run bench -- --quick --only chaos-queue", { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  it.skipIf(redisSkip !== undefined)(`kills workers and Redis under load and judges the run${redisSkip === undefined ? "" : ` (skipped: ${redisSkip})`}`, () => {
    const report = runBenchSmoke("chaos-queue");
    expect(report.suites[0]?.skipped).toBeUndefined();
    expect(smokeMetric(report, "accepted updates").ours.median).toBeGreaterThan(0);
    expect(Number.isFinite(smokeMetric(report, "accepted, never answered").ours.median)).toBe(true);
  });
});
