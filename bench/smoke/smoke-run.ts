/**
 * Runs `npm run bench -- --quick --only <suite>` as a child process for the smoke tests beside
 * this file, so the bench scripts do not rot: each suite runs once with tiny settings (a few bots,
 * one short round, at most 300 requests per measurement) and must produce well-formed results.
 * Speeds are never asserted: the benchmarks themselves are `npm run bench`. The time limit only
 * catches a hang; a busy machine makes a run slower, never wrong.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { engineNodeArgs } from "../../src/boot/engine-node-args.ts";
import { TEST_CHILD_NODE_FLAGS } from "../../src/testing/service-process.ts";
import { PROJECT_ROOT } from "../lib/processes.ts";

export interface Spread {
  median: number;
  rounds: number[];
}

export interface SmokeRow {
  scenario: string;
  metric: string;
  ours: Spread;
  baseline?: Spread;
}

export interface SmokeReport {
  machine: { cpus: number; node: string };
  suites: Array<{ suite: string; skipped?: string; rows: SmokeRow[] }>;
}

/** Longest a smoke run may take before it counts as hung (a quiet machine needs about 10 s). */
export const SMOKE_HANG_MS = 240_000;

export function runBenchSmoke(suite: string, extra: string[] = [], extraEnv: Record<string, string> = {}): SmokeReport {
  const outDir = mkdtempSync(path.join(os.tmpdir(), `bench-smoke-${suite}-`));
  try {
    // The test children's flags (no TurboFan), for the runner and its children alike: they live seconds.
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_CHILD_NODE_FLAGS: TEST_CHILD_NODE_FLAGS.join(" "), ...extraEnv };
    delete env.NODE_OPTIONS;
    delete env.VITEST;
    const result = spawnSync(process.execPath, [...TEST_CHILD_NODE_FLAGS, ...engineNodeArgs(), "bench/run.ts", "--quick", "--only", suite, "--duration", "0.5", "--out", outDir, ...extra], {
      cwd: PROJECT_ROOT,
      env,
      encoding: "utf8",
      timeout: SMOKE_HANG_MS,
    });
    expect(result.status, result.stderr.slice(-3000)).toBe(0);
    expect(result.stdout).toContain("| suite | scenario |");
    return JSON.parse(readFileSync(path.join(outDir, "latest.json"), "utf8")) as SmokeReport;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The row of `report`'s first suite that measures `name`. */
export function smokeMetric(report: SmokeReport, name: string): SmokeRow {
  const row = report.suites[0]?.rows.find((r) => r.metric === name);
  if (row === undefined) throw new Error(`no row ${name} in ${JSON.stringify(report.suites[0]?.rows.map((r) => r.metric))}`);
  return row;
}
