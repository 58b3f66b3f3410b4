import { describe, expect, it } from "vitest";
import { runBenchSmoke, SMOKE_HANG_MS, smokeMetric } from "./smoke-run.ts";

describe("npm run bench -- --quick --only bots", { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  it("reports time to ready and memory with a few generated bots, and with bots sharing one handler set", () => {
    const report = runBenchSmoke("bots", ["--bots", "3"]);
    expect(smokeMetric(report, "ready (getMe done)").ours.median).toBeGreaterThan(0);
    // Started again on the DATA_DIR of the first start, with the getMe answers kept there.
    expect(smokeMetric(report, "ready on a restart (getMe kept)").ours.median).toBeGreaterThan(0);
    expect(smokeMetric(report, "RSS").ours.median).toBeGreaterThan(0);
    expect(Number.isFinite(smokeMetric(report, "memory per bot").ours.median)).toBe(true);
    // Read again once BOTS_DIR is watched (2 s after ready with --quick).
    expect(Number.isFinite(smokeMetric(report, "memory per bot, 2 s after ready (BOTS_DIR watched)").ours.median)).toBe(true);
    // The same count again with one `_shared/` handler set that every bot re-exports: it loads and serves.
    const shared = report.suites[0]?.rows.find((r) => r.scenario === "3 bots, one shared handler set" && r.metric === "ready (getMe done)");
    expect(shared?.ours.median).toBeGreaterThan(0);
    // The largest count once more against a stand-in that answers 80 ms late (a Bot API across a network).
    const remote = report.suites[0]?.rows.find((r) => r.scenario === "3 bots, Bot API 80 ms away" && r.metric === "ready (getMe done)");
    expect(remote?.ours.median).toBeGreaterThan(0.08);
  });
});
