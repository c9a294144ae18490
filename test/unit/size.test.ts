import { describe, expect, it } from "vitest";
import { formatSize, parseSize } from "../../src/planner/size.js";
import { GiB, KiB, MiB, TiB } from "../../src/planner/limits.js";

describe("parseSize", () => {
  it.each([
    ["1000", 1000],
    ["5MiB", 5 * MiB],
    ["64M", 64 * MiB],
    ["64m", 64 * MiB],
    ["1.5GiB", 1.5 * GiB],
    ["48.8TiB", Math.floor(48.8 * TiB)],
    ["8 KiB", 8 * KiB],
    ["5MB", 5 * MiB],
    ["5mb", 5 * MiB],
    ["8KB", 8 * KiB],
    ["8k", 8 * KiB],
    ["1GB", GiB],
    ["1TB", TiB],
    ["1T", TiB],
    ["1.5G", 1.5 * GiB],
    ["1.5GB", 1.5 * GiB],
    ["2G", 2 * GiB],
    ["0", 0],
  ])("%s", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(["", "abc", "-5MiB", "5XB", "1.2.3M", "MiB", "5Mi", "5 M B"])("rejects %j", (text) => {
    expect(() => parseSize(text, "--part-size")).toThrow(/invalid --part-size/);
  });

  it("reads every spelling of a unit the same way (one rule: powers of 1024)", () => {
    for (const [short, two, iec] of [
      ["3K", "3KB", "3KiB"],
      ["3M", "3MB", "3MiB"],
      ["3G", "3GB", "3GiB"],
      ["3T", "3TB", "3TiB"],
    ] as const) {
      expect(parseSize(two)).toBe(parseSize(short));
      expect(parseSize(iec)).toBe(parseSize(short));
    }
  });

  it("says the rule when it refuses a size", () => {
    expect(() => parseSize("5XB", "--part-size")).toThrow(/powers of 1024: 64M = 64MB = 64MiB/);
  });
});

describe("formatSize", () => {
  it.each([
    [0, "0 B"],
    [17, "17 B"],
    [5 * GiB, "5 GiB"],
    [5118 * MiB, "5118 MiB"],
    [1.5 * MiB, "1536 KiB"],
    [MiB + 1, "1 MiB"],
    [156.25 * GiB, "156.3 GiB"],
  ])("%i → %s", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});
