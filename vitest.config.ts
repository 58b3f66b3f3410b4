import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "bench/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Under CI, .ci/run reads the JSON summary to print its "N passed, N failed" line.
    reporters: process.env.CI === "true" ? ["default", ["json", { outputFile: ".ci/results.json" }]] : ["default"],
  },
});
