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

/**
 * The combinations worth running, grouped by mode, then part size, then concurrency. A concurrency above an
 * object's part count measures the same thing as one equal to it (every part is in flight either way): of
 * those, only the smallest is kept, and the others are returned as `skipped` so the report can say so.
 */
export function benchCases(
  modes: readonly BenchMode[],
  partSizes: readonly number[],
  concurrencies: readonly number[],
  size = Number.POSITIVE_INFINITY,
): BenchCase[] & { skipped?: BenchCase[] } {
  const cases: BenchCase[] & { skipped?: BenchCase[] } = [];
  const skipped: BenchCase[] = [];
  for (const mode of modes)
    for (const partSize of partSizes) {
      const parts = Math.max(1, Math.ceil(size / partSize));
      const allInFlight = Math.min(...concurrencies.filter((c) => c >= parts));
      for (const concurrency of concurrencies) {
        const kept = concurrency <= parts || concurrency === allInFlight;
        (kept ? cases : skipped).push({ mode, partSize, concurrency });
      }
    }
  if (skipped.length) cases.skipped = skipped;
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
  /** Throughput of each successful run (one per round): their spread is the noise. */
  roundsMibPerSecond?: number[];
}

export interface Recommendation {
  mode: BenchMode;
  best: CaseFigures;
  /** The case recommended: the fastest, or a cheaper one that cannot be told apart from it. */
  chosen: CaseFigures;
  /** Other cases that cannot be told apart from the fastest (within noise). */
  tied: CaseFigures[];
  /**
   * False after a single round: with no repeat there is no measure of the noise, so the leader is reported
   * but not recommended.
   */
  confident: boolean;
  reason: string;
}

/** A result range per case: min and max over its rounds (a single figure when there was one round). */
function range(f: CaseFigures): [number, number] {
  const rounds = f.roundsMibPerSecond?.filter(Number.isFinite) ?? [];
  if (rounds.length === 0) return [f.mibPerSecond, f.mibPerSecond];
  return [Math.min(...rounds), Math.max(...rounds)];
}

/**
 * The fastest setting per mode, and whether it is really faster. Two settings cannot be told apart when
 * their rounds overlap (the slower one's best round reaches the faster one's worst) or their medians are
 * within `tolerance` (5%). Among those the one holding the least data in flight (part size × concurrency:
 * memory, and what is lost to a failed connection) is recommended, then the one using less CPU. After a
 * single round nothing is recommended: one round cannot tell a difference from noise.
 */
export function recommend(figures: readonly CaseFigures[], tolerance = 0.05): Recommendation[] {
  const out: Recommendation[] = [];
  for (const mode of BENCH_MODES) {
    const candidates = figures.filter((f) => f.mode === mode && Number.isFinite(f.mibPerSecond));
    if (candidates.length === 0) continue;
    const best = candidates.reduce((a, b) => (b.mibPerSecond > a.mibPerSecond ? b : a));
    const [bestLow] = range(best);
    const rounds = Math.min(...candidates.map((f) => f.roundsMibPerSecond?.length ?? 1));
    const confident = rounds >= 2;
    const tiedWith = (f: CaseFigures) =>
      f.mibPerSecond >= best.mibPerSecond * (1 - tolerance) || (confident && range(f)[1] >= bestLow);
    const tied = candidates.filter((f) => f !== best && tiedWith(f));
    if (!confident) {
      const close = `${tied.length || "no"} other(s) within ${Math.round(tolerance * 100)}%`;
      out.push({
        mode,
        best,
        chosen: best,
        tied,
        confident,
        reason: `one round (${close}): noise unknown; --repeat 3 to recommend`,
      });
      continue;
    }
    const chosen = [best, ...tied].sort(
      (a, b) =>
        a.partSize * a.concurrency - b.partSize * b.concurrency ||
        a.cpuSecondsPerGiB - b.cpuSecondsPerGiB ||
        b.mibPerSecond - a.mibPerSecond,
    )[0]!;
    const reason =
      tied.length === 0
        ? `fastest, clear of the others over ${rounds} rounds`
        : chosen === best
          ? `fastest; ${tied.length} other(s) within noise hold more in flight`
          : `within noise of the fastest (${best.mibPerSecond.toFixed(1)} MiB/s), less in flight`;
    out.push({ mode, best, chosen, tied, confident, reason });
  }
  return out;
}
