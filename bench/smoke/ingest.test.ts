import { describe, expect, it } from "vitest";
import { runBenchSmoke, SMOKE_HANG_MS, smokeMetric } from "./smoke-run.ts";

describe("npm run bench -- --quick --only ingest", { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  it("reports accepted/s of the service and of the bare node:http baseline, both > 0", () => {
    const report = runBenchSmoke("ingest");
    expect(report.machine.cpus).toBeGreaterThan(0);
    const accepted = smokeMetric(report, "accepted/s");
    expect(accepted.ours.median).toBeGreaterThan(0);
    expect(accepted.baseline?.median).toBeGreaterThan(0);
  });
});
