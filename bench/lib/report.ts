/**
 * The results: one row per figure (ours against its baseline, medians of the rounds with their
 * range), printed as a table and written as JSON to bench/results/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatSpread, type Spread } from "./stats.ts";

export interface ResultRow {
  scenario: string;
  metric: string;
  unit: string;
  ours: Spread;
  baseline?: Spread;
  /** median(ours) / median(baseline). */
  ratio?: number;
  /** The issue's target, in words, and whether this run met it. */
  target?: { text: string; met: boolean };
}

export interface SuiteResult {
  suite: string;
  /** What "baseline" means in this suite. */
  baseline: string;
  /** Set when the suite did not run, with the reason. */
  skipped?: string;
  rows: ResultRow[];
  notes: string[];
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; loadAverage: number[] };
  options: Record<string, unknown>;
  suites: SuiteResult[];
}

export function machineInfo(): BenchReport["machine"] {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

function digitsFor(unit: string): number {
  if (unit === "share") return 3;
  return unit === "ms" || unit === "x" || unit === "MB" || unit === "KB" || unit === "s" ? 1 : 0;
}

/** A Markdown table (it reads fine in a terminal and pastes into docs/performance.md as is). */
export function formatTable(suites: readonly SuiteResult[]): string {
  const lines = ["| suite | scenario | metric | ours: median (min-max) | baseline: median (min-max) | ratio | target |", "|---|---|---|---|---|---|---|"];
  for (const suite of suites) {
    if (suite.skipped !== undefined) {
      lines.push(`| ${suite.suite} | skipped | ${suite.skipped} | | | | |`);
      continue;
    }
    for (const row of suite.rows) {
      const d = digitsFor(row.unit);
      const ratio = row.ratio === undefined || !Number.isFinite(row.ratio) ? "" : row.ratio.toFixed(2);
      const target = row.target === undefined ? "" : `${row.target.met ? "met" : "NOT met"}: ${row.target.text}`;
      lines.push(
        `| ${suite.suite} | ${row.scenario} | ${row.metric} (${row.unit}) | ${formatSpread(row.ours, d)} | ${row.baseline === undefined ? "" : formatSpread(row.baseline, d)} | ${ratio} | ${target} |`,
      );
    }
  }
  return lines.join("\n");
}

/** Each suite's notes (soak charts among them), after the table. */
export function formatNotes(suites: readonly SuiteResult[]): string {
  return suites
    .filter((suite) => suite.notes.length > 0)
    .map((suite) => `${suite.suite}:\n${suite.notes.map((note) => `  ${note.split("\n").join("\n  ")}`).join("\n")}`)
    .join("\n\n");
}

export function writeReport(outDir: string, report: BenchReport): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `bench-${report.startedAt.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(outDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
