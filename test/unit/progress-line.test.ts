import { describe, expect, it } from "vitest";
import {
  etaSeconds,
  formatClock,
  formatRate,
  formatSizeShort,
  progressLine,
  type ProgressFigures,
} from "../../src/cli/progress-line.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** 2 GiB upload, 1.23 GiB done at 64.2 MiB/s, 256 parts of 8 MiB, 8 allowed in flight. */
const midway: ProgressFigures = {
  bytesDone: Math.round(1.23 * GiB),
  totalBytes: 2 * GiB,
  bytesPerSecond: 64.2 * MiB,
  partsDone: 157,
  partCount: 256,
  concurrency: 8,
  elapsedMs: 19_600,
};

/** A stream of unknown length. */
const stdin: ProgressFigures = {
  bytesDone: 179 * MiB,
  totalBytes: null,
  bytesPerSecond: 35.5 * MiB,
  partsDone: 22,
  partCount: null,
  concurrency: 8,
  elapsedMs: 5_100,
};

describe("units", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "0.98 KiB"],
    [1.5 * MiB, "1.50 MiB"],
    [64.2 * MiB, "64.2 MiB"],
    [512 * MiB, "512 MiB"],
    [1023 * MiB, "1.00 GiB"],
    [2 * GiB, "2.00 GiB"],
    [48.8 * 1024 * GiB, "48.8 TiB"],
  ])("size %i → %s", (bytes, text) => {
    expect(formatSizeShort(bytes)).toBe(text);
  });

  it("gives rates per second", () => {
    expect(formatRate(64.2 * MiB)).toBe("64.2 MiB/s");
    expect(formatRate(0)).toBe("0 B/s");
  });

  it.each([
    [0, "0s"],
    [55, "55s"],
    [59.6, "1m00s"],
    [125, "2m05s"],
    [2112, "35m12s"],
    [3600, "1h00m"],
    [3725, "1h02m"],
    [100 * 3600, "100h00m"],
  ])("clock %d s → %s", (seconds, text) => {
    expect(formatClock(seconds)).toBe(text);
  });

  it("computes the ETA from what is left at the smoothed rate", () => {
    expect(etaSeconds({ ...midway, bytesDone: GiB, bytesPerSecond: 64 * MiB })).toBe(16);
    expect(etaSeconds({ ...midway, bytesPerSecond: null })).toBeNull();
    expect(etaSeconds(stdin)).toBeNull();
  });
});

describe("progressLine fits the terminal", () => {
  const widths = [20, 30, 40, 50, 60, 70, 80, 90, 100, 120, 200];

  it.each(widths)("never exceeds %i - 3 columns, and never cuts a field", (columns) => {
    for (const figures of [midway, stdin, { ...midway, bytesPerSecond: null }]) {
      const line = progressLine(figures, columns);
      expect(line.length).toBeLessThanOrEqual(columns - 3);
      const full = progressLine(figures, 1000);
      // Every word of the fitted line is a word of the full line: fields are dropped whole.
      for (const word of line.split(/\s+/).filter((w) => w && !/^[█░]+$/.test(w)))
        expect(full.split(/[\s,]+/)).toContain(word.replace(/,$/, ""));
    }
  });

  it("at 120 columns shows everything, with units and the parts in flight", () => {
    const line = progressLine(midway, 120);
    const fields = line.split("  ");
    expect(fields[0]).toMatch(/^[█░]{10,40}$/);
    expect(fields.slice(1)).toEqual([
      "61%",
      "1.23 GiB / 2.00 GiB",
      "64.2 MiB/s",
      "ETA 12s",
      "parts 157/256, 8 in flight",
    ]);
  });

  it("at 80 columns keeps bar, %, bytes, rate, ETA and parts; drops the parts in flight first", () => {
    const line = progressLine(midway, 80);
    expect(line).toContain("61%");
    expect(line).toContain("1.23 GiB / 2.00 GiB");
    expect(line).toContain("64.2 MiB/s");
    expect(line).toContain("ETA 12s");
    expect(line).toContain("parts 157/256");
    expect(line).not.toContain("in flight");
    expect(line).toMatch(/^[█░]{10,}/);
  });

  it("at 60 columns drops the part count, then the bar", () => {
    const line = progressLine(midway, 60);
    expect(line).not.toContain("parts");
    expect(line).toContain("ETA 12s");
    const at50 = progressLine(midway, 50);
    expect(at50).not.toMatch(/[█░]/);
    expect(at50).toBe("61%  1.23 GiB / 2.00 GiB  64.2 MiB/s  ETA 12s");
  });

  it("at 40 columns keeps %, bytes and rate; the ETA goes before the rate", () => {
    expect(progressLine(midway, 40)).toBe("61%  1.23 GiB / 2.00 GiB  64.2 MiB/s");
    expect(progressLine(midway, 30)).toBe("61%  1.23 GiB / 2.00 GiB");
    expect(progressLine(midway, 22)).toBe("1.23 GiB / 2.00 GiB");
    // Narrower than the last field: nothing, rather than half a field.
    expect(progressLine(midway, 21)).toBe("");
  });

  it("shows ETA ? until there is a rate, and no rate field", () => {
    const line = progressLine({ ...midway, bytesPerSecond: null }, 120);
    expect(line).toContain("ETA ?");
    expect(line).not.toContain("/s");
  });

  it("the bar grows with the width up to a cap", () => {
    const barOf = (columns: number) => /^[█░]+/.exec(progressLine(midway, columns))?.[0].length ?? 0;
    expect(barOf(80)).toBeGreaterThanOrEqual(10);
    expect(barOf(100)).toBeGreaterThan(barOf(90));
    expect(barOf(200)).toBe(40);
    // 61 % of the bar is filled.
    const bar = /^[█░]+/.exec(progressLine(midway, 200))![0];
    expect(bar.replace(/░/g, "").length).toBe(Math.floor(0.615 * 40));
  });
});

describe("stdin (unknown length)", () => {
  it("shows bytes sent, the rate and the time elapsed: no percentage, no total, no ETA", () => {
    const line = progressLine(stdin, 120);
    expect(line).toBe("179 MiB sent  35.5 MiB/s  5s elapsed  parts 22, 8 in flight");
    expect(line).not.toMatch(/%|\?|ETA|[█░]/);
  });

  it("at 40 columns keeps bytes, rate and elapsed", () => {
    expect(progressLine(stdin, 40)).toBe("179 MiB sent  35.5 MiB/s  5s elapsed");
  });

  it("shows a percentage once the stream has ended and its length is known", () => {
    expect(progressLine({ ...stdin, totalBytes: 179 * MiB, partCount: 23 }, 120)).toContain("100%");
  });
});

describe("single request and edge cases", () => {
  it("shows no part count for a one-request transfer", () => {
    expect(progressLine({ ...midway, partCount: 1, partsDone: 0 }, 200)).not.toContain("parts");
  });

  it("a resumed transfer starts at its offset", () => {
    const line = progressLine({ ...midway, bytesDone: GiB, bytesPerSecond: null, partsDone: 128 }, 120);
    expect(line).toContain("50%  1.00 GiB / 2.00 GiB");
  });

  it("a 0-byte object is 100 %", () => {
    expect(progressLine({ ...midway, bytesDone: 0, totalBytes: 0 }, 120)).toContain("100%");
  });

  it("never says 100 % before the last byte", () => {
    expect(progressLine({ ...midway, bytesDone: 2 * GiB - 1 }, 120)).toContain(" 99%");
  });
});
