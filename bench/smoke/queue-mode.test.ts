import { describe, expect, it } from "vitest";
import { redisSkipReason } from "../../src/testing/redis.ts";
import { runBenchSmoke, SMOKE_HANG_MS } from "./smoke-run.ts";

const redisSkip = await redisSkipReason();

describe("npm run bench -- --quick --only queue", { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  it.skipIf(redisSkip !== undefined)(`the service, the bare and the ordered BullMQ baselines all deliver${redisSkip === undefined ? "" : ` (skipped: ${redisSkip})`}`, () => {
    const report = runBenchSmoke("queue", ["--rates", "none", "--ordered-baseline", "yes"]);
    const rows = report.suites[0]?.rows ?? [];
    expect(report.suites[0]?.skipped).toBeUndefined();
    const handled = (scenario: string) => rows.find((r) => r.scenario === scenario && r.metric === "handled/s");
    const plain = handled("1 worker(s), saturation");
    const ordered = handled("1 worker(s), saturation, ordered BullMQ vs bare");
    expect(plain?.ours.median).toBeGreaterThan(0);
    expect(plain?.baseline?.median).toBeGreaterThan(0);
    expect(ordered?.ours.median).toBeGreaterThan(0);
  });
});
