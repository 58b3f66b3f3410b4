/**
 * Counts for a prom-client Counter, kept as plain numbers on the update path and handed to the
 * counter when it is scraped (its `collect`). prom-client turns the label values into a hash key
 * on every `inc`, even on a child made once with `labels()`; per update that was most of the
 * metrics' cost in a CPU profile of the end-to-end bench at saturation (docs/performance.md). The
 * page shows the same numbers: every scrape first moves what was counted since the last one.
 */
import type { Counter } from "prom-client";

interface Series {
  labels: Record<string, string>;
  pending: number;
  /** On the page already (a series counted only by zero shows as 0, as prom-client's would). */
  shown: boolean;
}

export class CounterTally<L extends string> {
  /** One label: keyed by its value; more: by the values joined. */
  private readonly series = new Map<string, Series>();

  constructor(readonly labelNames: readonly L[]) {}

  /** Adds `by` (default 1) to the series of these label values, in `labelNames` order. */
  add(values: readonly string[], by = 1): void {
    const key = values.length === 1 ? (values[0] as string) : values.join("\u0000");
    let series = this.series.get(key);
    if (series === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ""));
      series = { labels, pending: 0, shown: false };
      this.series.set(key, series);
    }
    series.pending += by;
  }

  /** Moves the counts into `counter`; called from its `collect`, before each scrape reads it. */
  flushInto(counter: Counter<L>): void {
    for (const series of this.series.values()) {
      if (series.pending === 0 && series.shown) continue;
      counter.inc(series.labels as Partial<Record<L, string>>, series.pending);
      series.pending = 0;
      series.shown = true;
    }
  }
}
