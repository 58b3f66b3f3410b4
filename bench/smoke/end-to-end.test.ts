import { describe, expect, it } from "vitest";
import { runBenchSmoke, SMOKE_HANG_MS, smokeMetric } from "./smoke-run.ts";

describe("npm run bench -- --quick --only e2e", { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  it("reports handled/s and reply latency of the service and of the grammY+Fastify baseline", () => {
    const report = runBenchSmoke("e2e", ["--rates", "100"]);
    const rows = report.suites[0]?.rows ?? [];
    expect(rows.map((r) => r.scenario)).toEqual(expect.arrayContaining(["offered 100/s"]));
    for (const name of ["handled/s", "latency p50", "latency p99"]) {
      const row = smokeMetric(report, name);
      expect(row.ours.median, name).toBeGreaterThan(0);
      expect(row.baseline?.median, name).toBeGreaterThan(0);
    }
  });
});
