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
  ): CaseFigures => ({ mode, partSize: partSize * MiB, concurrency, mibPerSecond, cpuSecondsPerGiB });

  it("picks the fastest per mode", () => {
    const out = recommend([
      figure("upload", 8, 4, 100),
      figure("upload", 64, 16, 300),
      figure("copy", 8, 4, 50),
    ]);
    expect(out.map((r) => [r.mode, r.chosen.partSize / MiB, r.chosen.concurrency, r.reason])).toEqual([
      ["upload", 64, 16, "fastest"],
      ["copy", 8, 4, "fastest"],
    ]);
  });

  it("a setting within 5% that holds less in flight wins the tie", () => {
    const out = recommend([figure("upload", 64, 16, 300), figure("upload", 8, 16, 290)]);
    expect(out[0]!.chosen.partSize).toBe(8 * MiB);
    expect(out[0]!.best.partSize).toBe(64 * MiB);
    expect(out[0]!.reason).toMatch(/within 5% of the fastest/);
  });

  it("equal memory: less CPU wins", () => {
    const out = recommend([figure("upload", 8, 16, 300, 2), figure("upload", 16, 8, 299, 1)]);
    expect(out[0]!.chosen.partSize).toBe(16 * MiB);
  });

  it("failed cases (NaN) never win, and a mode with no result gets no recommendation", () => {
    const out = recommend([
      figure("upload", 8, 4, Number.NaN),
      figure("upload", 64, 4, 10),
      figure("copy", 8, 4, Number.NaN),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]!.chosen.partSize).toBe(64 * MiB);
  });
});
