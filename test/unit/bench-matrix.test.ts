import { describe, expect, it } from "vitest";
import {
  benchCases,
  parseCountList,
  parseModes,
  parseSizeList,
  recommend,
  schedule,
  type CaseFigures,
} from "../../src/bench/matrix.js";
import { UsageError } from "../../src/errors.js";

const MiB = 1024 * 1024;

describe("list options", () => {
  it("parses size lists, dropping duplicates and blanks", () => {
    expect(parseSizeList("8MiB, 64MiB,,8M", "--part-size")).toEqual([8 * MiB, 64 * MiB]);
  });

  it("rejects bad sizes with the flag's name", () => {
    expect(() => parseSizeList("8MiB,lots", "--part-size")).toThrow(/--part-size/);
    expect(() => parseSizeList(" , ", "--part-size")).toThrow(UsageError);
  });

  it("parses concurrency lists", () => {
    expect(parseCountList("4,16,64,16", "--concurrency")).toEqual([4, 16, 64]);
  });

  it.each(["0", "2.5", "-1", "x", "1001"])("rejects concurrency %s", (value) => {
    expect(() => parseCountList(value, "--concurrency")).toThrow(/--concurrency/);
  });

  it("modes come back uploads first, whatever the order given", () => {
    expect(parseModes("copy,upload")).toEqual(["upload", "copy"]);
    expect(parseModes("COPY")).toEqual(["copy"]);
    expect(() => parseModes("download")).toThrow(/--mode "download"/);
  });
});

describe("benchCases and schedule", () => {
  const cases = benchCases(["upload", "copy"], [8 * MiB, 64 * MiB], [4, 16]);

  it("every combination, grouped by mode", () => {
    expect(cases).toHaveLength(8);
    expect(cases.slice(0, 4).every((c) => c.mode === "upload")).toBe(true);
    expect(cases[1]).toEqual({ mode: "upload", partSize: 8 * MiB, concurrency: 16 });
  });

  it("skips concurrencies above the part count, keeping the smallest that has every part in flight", () => {
    // 128 MiB: 16 parts of 8 MiB, 2 parts of 64 MiB.
    const kept = benchCases(["upload"], [8 * MiB, 64 * MiB], [1, 4, 8, 16], 128 * MiB);
    expect(kept.map((c) => [c.partSize / MiB, c.concurrency])).toEqual([
      [8, 1],
      [8, 4],
      [8, 8],
      [8, 16],
      [64, 1],
      [64, 4],
    ]);
    expect(kept.skipped!.map((c) => [c.partSize / MiB, c.concurrency])).toEqual([
      [64, 8],
      [64, 16],
    ]);
  });

  it("one round runs each case once, uploads before copies", () => {
    const runs = schedule(cases, 1);
    expect(runs.map((r) => r.caseIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("rounds interleave (A B A B) and rotate the starting case", () => {
    const runs = schedule(cases, 3);
    expect(runs).toHaveLength(24);
    for (let round = 0; round < 3; round++) {
      const mine = runs.filter((r) => r.round === round).map((r) => r.caseIndex);
      expect([...mine].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(mine.slice(0, 4).every((i) => i < 4)).toBe(true);
    }
    expect(runs.filter((r) => r.round === 1).map((r) => r.caseIndex)).toEqual([1, 2, 3, 0, 5, 6, 7, 4]);
  });

  it("refuses zero rounds", () => {
    expect(() => schedule(cases, 0)).toThrow(RangeError);
  });
});

describe("recommend", () => {
  const figure = (
    mode: "upload" | "copy",
    partSize: number,
    concurrency: number,
    mibPerSecond: number,
    cpuSecondsPerGiB = 1,
    rounds: number[] = [mibPerSecond * 0.99, mibPerSecond, mibPerSecond * 1.01],
  ): CaseFigures => ({
    mode,
    partSize: partSize * MiB,
    concurrency,
    mibPerSecond,
    cpuSecondsPerGiB,
    roundsMibPerSecond: rounds,
  });

  it("picks the fastest per mode when it is clear of the others' rounds", () => {
    const out = recommend([
      figure("upload", 8, 4, 100),
      figure("upload", 64, 16, 300),
      figure("copy", 8, 4, 50),
    ]);
    expect(out.map((r) => [r.mode, r.chosen.partSize / MiB, r.chosen.concurrency, r.confident])).toEqual([
      ["upload", 64, 16, true],
      ["copy", 8, 4, true],
    ]);
    expect(out[0]!.reason).toMatch(/^fastest, clear of the others over 3 rounds/);
  });

  it("a setting within 5% that holds less in flight wins the tie", () => {
    const out = recommend([figure("upload", 64, 16, 300), figure("upload", 8, 16, 290)]);
    expect(out[0]!.chosen.partSize).toBe(8 * MiB);
    expect(out[0]!.best.partSize).toBe(64 * MiB);
    expect(out[0]!.reason).toMatch(/within noise of the fastest/);
  });

  it("overlapping rounds are a tie even beyond 5%: the noise decides, not one median", () => {
    const out = recommend([
      figure("upload", 64, 16, 300, 1, [240, 300, 330]),
      figure("upload", 8, 4, 260, 1, [200, 260, 250]),
    ]);
    expect(out[0]!.chosen.partSize).toBe(8 * MiB);
    expect(out[0]!.tied).toHaveLength(1);
  });

  it("rounds that do not overlap, more than 5% apart: the fastest wins", () => {
    const out = recommend([
      figure("upload", 64, 16, 300, 1, [290, 300, 310]),
      figure("upload", 8, 4, 260, 1, [250, 260, 270]),
    ]);
    expect(out[0]!.chosen.partSize).toBe(64 * MiB);
    expect(out[0]!.tied).toEqual([]);
  });

  it("one round recommends nothing: 36.6 vs 36.0 MiB/s is reported, not recommended", () => {
    const out = recommend([
      figure("upload", 8, 16, 36.6, 1, [36.6]),
      figure("upload", 64, 4, 36.0, 1, [36.0]),
    ]);
    expect(out[0]!.confident).toBe(false);
    expect(out[0]!.chosen.mibPerSecond).toBe(36.6);
    expect(out[0]!.reason).toMatch(
      /one round \(1 other\(s\) within 5%\): noise unknown; --repeat 3 to recommend/,
    );
  });

  it("equal memory: less CPU wins", () => {
    const out = recommend([figure("upload", 8, 16, 300, 2), figure("upload", 16, 8, 299, 1)]);
    expect(out[0]!.chosen.partSize).toBe(16 * MiB);
  });

  it("failed cases (NaN) never win, and a mode with no result gets no recommendation", () => {
    const out = recommend([
      figure("upload", 8, 4, Number.NaN, 1, []),
      figure("upload", 64, 4, 10),
      figure("copy", 8, 4, Number.NaN, 1, []),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]!.chosen.partSize).toBe(64 * MiB);
  });
});
