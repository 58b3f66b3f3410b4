import { describe, expect, it } from "vitest";
import { runBenchSmoke, SMOKE_HANG_MS, smokeMetric } from "./smoke-run.ts";

describe("npm run bench -- --quick --only durability", { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  it("reports handled/s and latency of the durable default and of DURABILITY=memory", () => {
    const report = runBenchSmoke("durability", ["--rates", "100"]);
    for (const name of ["handled/s", "latency p99"]) {
      const row = smokeMetric(report, name);
      expect(row.ours.median, name).toBeGreaterThan(0);
      expect(row.baseline?.median, name).toBeGreaterThan(0);
    }
  });
});
