/** A small text chart of a series over time, for the results (a curve that fits in a terminal and a JSON string). */

export function asciiChart(values: readonly number[], options: { width?: number; height?: number; label: (value: number) => string }): string {
  if (values.length === 0) return "(no samples)";
  const width = Math.min(options.width ?? 60, values.length);
  const height = options.height ?? 8;
  // One column per group of samples: their mean.
  const columns: number[] = [];
  for (let c = 0; c < width; c++) {
    const from = Math.floor((c * values.length) / width);
    const to = Math.max(from + 1, Math.floor(((c + 1) * values.length) / width));
    const slice = values.slice(from, to);
    columns.push(slice.reduce((a, b) => a + b, 0) / slice.length);
  }
  const min = Math.min(...columns);
  const max = Math.max(...columns);
  const span = max - min || 1;
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    const level = min + (span * r) / (height - 1 || 1);
    const line = columns.map((value) => (value >= level - span / (2 * (height - 1 || 1)) ? "#" : " ")).join("");
    rows.push(`${options.label(level).padStart(10)} |${line}`);
  }
  rows.push(`${"".padStart(10)} +${"-".repeat(width)}`);
  return rows.join("\n");
}

/** Least-squares slope of `values` per sample. */
export function slopeOf(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return den === 0 ? 0 : num / den;
}
