import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "bench/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 3,
    // Test files share their worker process (one module cache per worker, not one per file): the
    // suite is CPU-bound on 2 cores, and importing grammY, Fastify and the service anew for each
    // of 100 files cost about 2 minutes of CPU. Tests keep their state to themselves: everything a
    // test starts it stops, and a process-wide change (signals, exit codes) runs in a child process.
    isolate: false,
    // Hang guards, not speed limits: a test that passes on a quiet machine must pass on a busy one
    // too (two npm test runs side by side start their child processes several times slower).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Under CI, .ci/run reads the JSON summary to print its "N passed, N failed" line.
    reporters: process.env.CI === "true" ? ["default", ["json", { outputFile: ".ci/results.json" }]] : ["default"],
  },
});
