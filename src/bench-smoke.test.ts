/**
 * Smoke run of `npm run bench` (bench/run.ts) so the scripts do not rot: each suite runs for a
 * fraction of a second with tiny settings and must produce well-formed results (positive
 * numbers). Speeds are never asserted here: the benchmarks themselves are `npm run bench`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./testing/bot-fixtures.ts";
import { redisSkipReason } from "./queue/testing/redis-test-support.ts";

interface Spread {
  median: number;
  rounds: number[];
}

interface Report {
  machine: { cpus: number; node: string };
  suites: Array<{ suite: string; skipped?: string; rows: Array<{ scenario: string; metric: string; ours: Spread; baseline?: Spread }> }>;
}

const redisSkip = await redisSkipReason();
const outDir = mkdtempSync(path.join(os.tmpdir(), "bench-smoke-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function runBench(suite: string, extra: string[], timeoutMs = 60_000): Report {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  const result = spawnSync(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "--only", suite, "--duration", "0.5", "--out", outDir, ...extra], {
    cwd: PROJECT_ROOT,
    env,
    encoding: "utf8",
    timeout: timeoutMs,
  });
  expect(result.status, result.stderr.slice(-3000)).toBe(0);
  expect(result.stdout).toContain("| suite | scenario |");
  return JSON.parse(readFileSync(path.join(outDir, "latest.json"), "utf8")) as Report;
}

function metric(report: Report, name: string): { ours: Spread; baseline?: Spread } {
  const row = report.suites[0]?.rows.find((r) => r.metric === name);
  if (row === undefined) throw new Error(`no row ${name} in ${JSON.stringify(report.suites[0]?.rows.map((r) => r.metric))}`);
  return row;
}

describe("npm run bench --quick", { timeout: 60_000 }, () => {
  it("ingest: accepted/s of the service and of the bare node:http baseline, both > 0", () => {
    const report = runBench("ingest", []);
    expect(report.machine.cpus).toBeGreaterThan(0);
    const accepted = metric(report, "accepted/s");
    expect(accepted.ours.median).toBeGreaterThan(0);
    expect(accepted.baseline?.median).toBeGreaterThan(0);
  });

  it("e2e: handled/s and reply latency of the service and of the grammY+Fastify baseline", () => {
    const report = runBench("e2e", ["--rates", "100"]);
    const rows = report.suites[0]?.rows ?? [];
    expect(rows.map((r) => r.scenario)).toEqual(expect.arrayContaining(["offered 100/s"]));
    for (const name of ["handled/s", "latency p50", "latency p99"]) {
      const row = metric(report, name);
      expect(row.ours.median, name).toBeGreaterThan(0);
      expect(row.baseline?.median, name).toBeGreaterThan(0);
    }
  });

  it.skipIf(redisSkip !== undefined)(
    `queue: the service, the bare and the ordered BullMQ baselines all deliver${redisSkip === undefined ? "" : ` (skipped: ${redisSkip})`}`,
    () => {
      const report = runBench("queue", ["--rates", "none", "--ordered-baseline", "yes"], 110_000);
      const rows = report.suites[0]?.rows ?? [];
      expect(report.suites[0]?.skipped).toBeUndefined();
      const handled = (scenario: string) => rows.find((r) => r.scenario === scenario && r.metric === "handled/s");
      const plain = handled("1 worker(s), saturation");
      const ordered = handled("1 worker(s), saturation, ordered BullMQ vs bare");
      expect(plain?.ours.median).toBeGreaterThan(0);
      expect(plain?.baseline?.median).toBeGreaterThan(0);
      expect(ordered?.ours.median).toBeGreaterThan(0);
    },
    120_000,
  );

  it("bots: time to ready and memory with a few generated bots", () => {
    const report = runBench("bots", ["--bots", "3"]);
    expect(metric(report, "ready (getMe done)").ours.median).toBeGreaterThan(0);
    expect(metric(report, "RSS").ours.median).toBeGreaterThan(0);
    expect(Number.isFinite(metric(report, "memory per bot").ours.median)).toBe(true);
  });
});
