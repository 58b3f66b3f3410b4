/** What every suite gets from the runner. */
import type { BenchOptions } from "../lib/options.ts";

export interface SuiteContext {
  options: BenchOptions;
  /** Progress to stderr (the table and JSON are the results). */
  log(message: string): void;
  /** Node flags for the service process (e.g. --cpu-prof into the results folder). */
  serviceNodeFlags(suite: string): string[];
}
