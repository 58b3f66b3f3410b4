import { describe, expect, it } from "vitest";
import { runBenchSmoke, SMOKE_HANG_MS, smokeMetric } from "./smoke-run.ts";

describe("npm run bench -- --quick --only reload", { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  it("reports the other bots' latency with one bot reloaded every second, against none", () => {
    const report = runBenchSmoke("reload", ["--duration", "2", "--max-requests", "400"]);
    const p99 = smokeMetric(report, "other bots' latency p99");
    expect(p99.ours.median).toBeGreaterThan(0);
    expect(p99.baseline?.median).toBeGreaterThan(0);
    // Two seconds of edits a second apart: the watcher reloaded the bot at least once.
    expect(smokeMetric(report, "reloads of the changed bot per measurement").ours.median).toBeGreaterThanOrEqual(1);
    expect(smokeMetric(report, "handled / requests answered").ours.median).toBe(1);
  });
});
