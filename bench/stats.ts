// Summaries of repeated measurements.

/** The q-quantile (0..1) of `values`, by the nearest-rank method; NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Median and 90th percentile. */
export interface Summary {
  median: number;
  p90: number;
}

/** Summarises `values`. */
export function summarise(values: number[]): Summary {
  return { median: quantile(values, 0.5), p90: quantile(values, 0.9) };
}
