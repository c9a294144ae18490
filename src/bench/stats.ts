/**
 * Small statistics for benchmark figures: percentiles by linear interpolation between closest ranks (the
 * "R-7" / NumPy default method, so p50 of an even count is the mean of the two middle values), medians
 * and spreads. Pure functions; empty input gives NaN rather than throwing, so a run without parts still
 * renders as "–".
 */

/** The p-th percentile (0 ≤ p ≤ 100) of `values`, which need not be sorted. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileOfSorted(sorted, p);
}

/** As `percentile`, for values already sorted ascending (no copy). */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low]!;
  if (low === high) return lowValue;
  return lowValue + (sorted[high]! - lowValue) * (rank - low);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Spread {
  count: number;
  min: number;
  median: number;
  max: number;
  mean: number;
}

/** Count, min, median, max and mean of `values` (NaN figures for an empty list). */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) {
    return { count: 0, min: Number.NaN, median: Number.NaN, max: Number.NaN, mean: Number.NaN };
  }
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    min: sorted[0]!,
    median: percentileOfSorted(sorted, 50),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}

/** Latency summary of a set of part durations, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function latencySummary(durationsMs: readonly number[]): LatencySummary {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}
