/**
 * Summaries the reports quote: the median of the rounds and their spread (min..max), and
 * percentiles of one run's latencies. Medians, because a shared 2-core machine has outliers.
 */

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Every round's value, in run order, so the JSON keeps what the summary hides. */
  rounds: number[];
}

/** The p-th percentile (0..100) of `values` by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function spreadOf(rounds: readonly number[]): Spread {
  const finite = rounds.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, rounds: [...rounds] };
  return { median: percentile(finite, 50), min: Math.min(...finite), max: Math.max(...finite), rounds: [...rounds] };
}

/** "1234 (1100-1300)": a median and its range, rounded for a table. */
export function formatSpread(spread: Spread, digits = 0): string {
  if (!Number.isFinite(spread.median)) return "n/a";
  const f = (v: number) => v.toFixed(digits);
  return spread.min === spread.max ? f(spread.median) : `${f(spread.median)} (${f(spread.min)}-${f(spread.max)})`;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
