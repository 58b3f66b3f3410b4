import { describe, expect, it } from "vitest";
import { runBenchSmoke, SMOKE_HANG_MS, smokeMetric } from "./smoke-run.ts";

describe("npm run bench -- --quick --only soak", { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  it("samples memory and event-loop delay while a steady load runs, beside the grammY server under the same load, and charts memory", () => {
    const report = runBenchSmoke("soak");
    // RSS in all is its anonymous part (the target's) and its file-backed part.
    const all = smokeMetric(report, "RSS in all").ours.median;
    const anonymous = smokeMetric(report, "anonymous RSS (heap and native)").ours.median;
    const fileBacked = smokeMetric(report, "file-backed RSS (code, the store's mapped file)").ours.median;
    expect(anonymous).toBeGreaterThan(0);
    expect(fileBacked).toBeGreaterThan(0);
    expect(anonymous).toBeLessThan(all);
    // The embedded run's yardstick: the hand-written grammY server under the same load.
    expect(smokeMetric(report, "anonymous RSS (heap and native)").baseline?.median).toBeGreaterThan(0);
    expect(smokeMetric(report, "updates answered / sent").baseline?.median).toBeGreaterThan(0);
    expect(smokeMetric(report, "updates answered / sent").ours.median).toBeGreaterThan(0);
    expect(report.suites[0]?.rows.some((row) => row.metric === "event-loop delay p99 (per 10 s)")).toBe(true);
  });
});
