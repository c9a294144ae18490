import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { latencySummary, median, percentile, spread } from "../../src/bench/stats.js";

describe("percentile", () => {
  it("interpolates between closest ranks (NumPy's default)", () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 40)).toBe(29);
    expect(percentile(values, 90)).toBe(46);
  });

  it("does not need sorted input and does not reorder it", () => {
    const values = [3, 1, 2];
    expect(percentile(values, 50)).toBe(2);
    expect(values).toEqual([3, 1, 2]);
  });

  it("p99 of 1..100 sits between the two top values", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBeCloseTo(99.01, 10);
  });

  it("gives NaN for no values and refuses p outside 0..100", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it("is monotonic in p and stays within min..max", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (values, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const min = Math.min(...values);
          const max = Math.max(...values);
          const pl = percentile(values, low);
          const ph = percentile(values, high);
          return pl <= ph + 1e-9 && pl >= min - 1e-9 && ph <= max + 1e-9;
        },
      ),
    );
  });
});

describe("median and spread", () => {
  it("median of an even count is the mean of the middle two", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it("spread", () => {
    expect(spread([3, 1, 2, 10])).toEqual({ count: 4, min: 1, median: 2.5, max: 10, mean: 4 });
    expect(spread([]).count).toBe(0);
    expect(spread([]).median).toBeNaN();
  });
});

describe("latencySummary", () => {
  it("p50, p99 and max of part durations", () => {
    const durations = Array.from({ length: 200 }, (_, i) => (i === 199 ? 5000 : 100));
    const summary = latencySummary(durations);
    expect(summary.count).toBe(200);
    expect(summary.p50).toBe(100);
    expect(summary.p99).toBe(100);
    expect(summary.max).toBe(5000);
  });

  it("no parts: NaN figures, count 0", () => {
    const summary = latencySummary([]);
    expect(summary.count).toBe(0);
    expect(summary.p50).toBeNaN();
    expect(summary.max).toBeNaN();
  });
});
