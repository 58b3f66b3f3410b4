/**
 * `npm run bench`: runs the benchmark suites (ingest, e2e, queue, bots, durability, reload), each against its
 * baseline in the same run, alternating A/B over several rounds; prints a Markdown table of
 * medians and ranges and writes the full results as JSON to bench/results/.
 *
 *   npm run bench -- [--only ingest,e2e,queue,bots] [--rounds N] [--duration S] [--quick]
 *                    [--bots 10,100] [--rates 500,2000] [--cpu-prof] [--out DIR]
 *
 * The queue suite's Redis: BENCH_REDIS_URL (redis://127.0.0.1:6379 by default); with
 * BENCH_REDIS_CLUSTER=true it is one node of a Redis Cluster, and the suite adds each shard's
 * share of the commands and of the keys.
 *
 * See docs/performance.md for what each figure means and the latest results.
 */
import path from "node:path";
import { parseBenchOptions, type SuiteName } from "./lib/options.ts";
import { PROJECT_ROOT, stopAll } from "./lib/processes.ts";
import { setServiceEnvOverrides } from "./lib/systems.ts";
import { formatNotes, formatTable, machineInfo, writeReport, type BenchReport, type SuiteResult } from "./lib/report.ts";
import { runBotCount } from "./suites/bot-count.ts";
import { runDurability } from "./suites/durability.ts";
import { runChaosEmbedded } from "./suites/chaos-embedded.ts";
import { runChaosQueue } from "./suites/chaos-queue.ts";
import { runSoak } from "./suites/soak.ts";
import { runEndToEnd } from "./suites/end-to-end.ts";
import { runIngest } from "./suites/ingest.ts";
import { runQueueMode } from "./suites/queue-mode.ts";
import { runReload } from "./suites/reload.ts";
import type { SuiteContext } from "./suites/suite-context.ts";

const SUITE_RUNNERS: Record<SuiteName, (ctx: SuiteContext) => Promise<SuiteResult>> = {
  ingest: runIngest,
  e2e: runEndToEnd,
  queue: runQueueMode,
  bots: runBotCount,
  durability: runDurability,
  "chaos-embedded": runChaosEmbedded,
  "chaos-queue": runChaosQueue,
  soak: runSoak,
  reload: runReload,
};

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2), path.join(PROJECT_ROOT, "bench/results"));
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  setServiceEnvOverrides(options.serviceEnv);
  const ctx: SuiteContext = {
    options,
    log,
    serviceNodeFlags: (suite) => 
      // One file per thread (the tsx loader runs in a worker thread); the main thread is the largest.
      options.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${path.join(options.outDir, `profile-${suite}-${Date.now()}`)}`] : [],
  };
  const startedAt = new Date().toISOString();
  const suites: SuiteResult[] = [];
  let failed = false;
  for (const name of options.only) {
    log(`suite ${name}: starting (${options.rounds} round(s) of ${options.durationSeconds} s)`);
    try {
      const result = await SUITE_RUNNERS[name](ctx);
      if (result.skipped !== undefined) log(`suite ${name}: SKIPPED: ${result.skipped}`);
      suites.push(result);
    } catch (error) {
      failed = true;
      log(`suite ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await stopAll();
    }
  }
  const report: BenchReport = { startedAt, finishedAt: new Date().toISOString(), machine: machineInfo(), options: { ...options }, suites };
  const file = writeReport(options.outDir, report);
  process.stdout.write(`\n${formatTable(suites)}\n\n${formatNotes(suites)}\n\nmachine: ${report.machine.cpus} x ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}\nresults: ${file}\n`);
  return failed ? 1 : 0;
}

const stopAndExit = (code: number) => {
  stopAll().then(
    () => process.exit(code),
    () => process.exit(code),
  );
};
process.on("SIGINT", () => stopAndExit(130));
process.on("SIGTERM", () => stopAndExit(143));
main().then(stopAndExit, (error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  stopAndExit(2);
});
