import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "bench/**/*.test.ts"],
    pool: "forks",
    // Four on two cores: the files wait on child processes much of the time, and three left the
    // cores idle for about a seventh of the run (docs/architecture.md, "The test suite's cost").
    maxWorkers: 4,
    // Test files share their worker's modules: importing grammY, Fastify and the service anew for
    // every file was a quarter of the suite's CPU (docs/architecture.md, "The test suite's cost").
    // A test that changes global state (timers, globalThis) puts it back in its afterEach.
    isolate: false,
    // Hang guards, not speed limits: a test that passes on a quiet machine must pass on a busy one
    // too (two npm test runs side by side start their child processes several times slower).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Under CI, .ci/run reads the JSON summary to print its "N passed, N failed" line.
    reporters: process.env.CI === "true" ? ["default", ["json", { outputFile: ".ci/results.json" }]] : ["default"],
  },
});
