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
    ["5MB", 5_000_000],
    ["2G", 2 * GiB],
    ["0", 0],
  ])("%s", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(["", "abc", "-5MiB", "5XB", "1.2.3M", "MiB"])("rejects %j", (text) => {
    expect(() => parseSize(text, "--part-size")).toThrow(/invalid --part-size/);
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
