import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/cli/duration.js";

describe("parseDuration", () => {
  it.each([
    ["7d", 7 * 86_400_000],
    ["12h", 12 * 3_600_000],
    ["30m", 1_800_000],
    ["90s", 90_000],
    ["1d12h", 36 * 3_600_000],
    ["0s", 0],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "7", "d", "7x", "-1d", "7d junk"])("rejects %j", (text) => {
    expect(() => parseDuration(text, "--older-than")).toThrow(/--older-than .* is not a duration/);
  });
});
