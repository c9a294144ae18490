/**
 * The settings `s3xfer bench` tries — every mode × part size × concurrency — the order it runs them in,
 * and the recommendation drawn from the results. Pure: parsing, scheduling and choosing only.
 */
import { UsageError } from "../errors.js";
import { parseSize } from "../planner/size.js";

export type BenchMode = "upload" | "copy";
export const BENCH_MODES: readonly BenchMode[] = ["upload", "copy"];

export interface BenchCase {
  mode: BenchMode;
  partSize: number;
  concurrency: number;
}

/** "8MiB,64MiB" → byte counts, in the order given, duplicates dropped. */
export function parseSizeList(text: string, flag: string): number[] {
  const items = splitList(text, flag);
  return unique(items.map((item) => parseSize(item, `${flag} value`)));
}

/** "4,16,64" → whole numbers ≥ 1, in the order given, duplicates dropped. */
export function parseCountList(text: string, flag: string, max = 1_000): number[] {
  const items = splitList(text, flag);
  return unique(
    items.map((item) => {
      const value = Number(item);
      if (!Number.isInteger(value) || value < 1 || value > max) {
        throw new UsageError(
          "USAGE",
          `${flag} "${item}" is not a whole number from 1 to ${max}: give a list such as 4,16,64`,
        );
      }
      return value;
    }),
  );
}

/** "upload,copy" → modes, in the canonical order (uploads first: copies need the uploaded object). */
export function parseModes(text: string): BenchMode[] {
  const items = splitList(text, "--mode").map((item) => item.toLowerCase());
  for (const item of items) {
    if (!(BENCH_MODES as readonly string[]).includes(item)) {
      throw new UsageError("USAGE", `--mode "${item}" is not known: use upload, copy or upload,copy`);
    }
  }
  return BENCH_MODES.filter((mode) => items.includes(mode));
}

function splitList(text: string, flag: string): string[] {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (items.length === 0) throw new UsageError("USAGE", `${flag} needs at least one value`);
  return items;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Every combination, grouped by mode, then part size, then concurrency. */
export function benchCases(
  modes: readonly BenchMode[],
  partSizes: readonly number[],
  concurrencies: readonly number[],
): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const mode of modes)
    for (const partSize of partSizes)
      for (const concurrency of concurrencies) cases.push({ mode, partSize, concurrency });
  return cases;
}

export interface ScheduledRun {
  round: number;
  /** Index into the case list. */
  caseIndex: number;
}

/**
 * The order of runs: `repeat` rounds, each running every case once (A B C, A B C, …) so that slow drift of
 * the server or the link spreads over all cases instead of landing on one. Within a mode the starting case
 * rotates from round to round, so no case is always the one that runs right after the other mode.
 * Uploads of a round come before its copies.
 */
export function schedule(cases: readonly BenchCase[], repeat: number): ScheduledRun[] {
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`repeat must be ≥ 1, got ${repeat}`);
  const runs: ScheduledRun[] = [];
  for (let round = 0; round < repeat; round++) {
    for (const mode of BENCH_MODES) {
      const indices = cases.flatMap((c, i) => (c.mode === mode ? [i] : []));
      for (let k = 0; k < indices.length; k++) {
        runs.push({ round, caseIndex: indices[(k + round) % indices.length]! });
      }
    }
  }
  return runs;
}

export interface CaseFigures extends BenchCase {
  /** Median throughput over the case's runs; NaN when every run failed. */
  mibPerSecond: number;
  cpuSecondsPerGiB: number;
}

export interface Recommendation {
  mode: BenchMode;
  best: CaseFigures;
  /** The case recommended: the fastest, or a cheaper one within `tolerance` of it. */
  chosen: CaseFigures;
  reason: string;
}

/**
 * The fastest setting per mode. Results within `tolerance` (5%) of the fastest count as a tie — that is
 * within run-to-run noise — and among tied settings the one holding the least data in flight (part size ×
 * concurrency: memory, and what is lost to a failed connection) wins, then the one using less CPU.
 */
export function recommend(figures: readonly CaseFigures[], tolerance = 0.05): Recommendation[] {
  const out: Recommendation[] = [];
  for (const mode of BENCH_MODES) {
    const candidates = figures.filter((f) => f.mode === mode && Number.isFinite(f.mibPerSecond));
    if (candidates.length === 0) continue;
    const best = candidates.reduce((a, b) => (b.mibPerSecond > a.mibPerSecond ? b : a));
    const tied = candidates.filter((f) => f.mibPerSecond >= best.mibPerSecond * (1 - tolerance));
    const chosen = [...tied].sort(
      (a, b) =>
        a.partSize * a.concurrency - b.partSize * b.concurrency ||
        a.cpuSecondsPerGiB - b.cpuSecondsPerGiB ||
        b.mibPerSecond - a.mibPerSecond,
    )[0]!;
    const reason =
      chosen === best
        ? "fastest"
        : `within ${Math.round(tolerance * 100)}% of the fastest (${best.mibPerSecond.toFixed(1)} MiB/s) with less data in flight`;
    out.push({ mode, best, chosen, reason });
  }
  return out;
}
