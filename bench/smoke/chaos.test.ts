import { describe, expect, it } from "vitest";
import { runBenchSmoke, SMOKE_HANG_MS, smokeMetric } from "./smoke-run.ts";

describe("npm run bench -- --quick --only chaos-embedded", { timeout: SMOKE_HANG_MS + 10_000 }, () => {
  it("kills the service under load and judges the run: accepted, lost, out of order, repeated", () => {
    const report = runBenchSmoke("chaos-embedded");
    expect(smokeMetric(report, "accepted updates").ours.median).toBeGreaterThan(0);
    for (const name of ["accepted, never answered", "chats out of order", "replies sent twice (or more)"]) expect(Number.isFinite(smokeMetric(report, name).ours.median), name).toBe(true);
  });
});
