import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "bench/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 3,
    // Hang guards, not speed limits: a test that passes on a quiet machine must pass on a busy one
    // too (two npm test runs side by side start their child processes several times slower).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Under CI, .ci/run reads the JSON summary to print its "N passed, N failed" line.
    reporters: process.env.CI === "true" ? ["default", ["json", { outputFile: ".ci/results.json" }]] : ["default"],
  },
});
