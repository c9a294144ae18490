import { describe, expect, it } from "vitest";
import { compact, fixed, formatTable, GiB, MiB, sizeLabel, throughput } from "../../src/bench/format.js";

describe("throughput", () => {
  it("gives MiB/s and decimal Gbit/s", () => {
    const t = throughput(GiB, 4);
    expect(t.mibPerSecond).toBe(256);
    expect(t.gbitPerSecond).toBeCloseTo((GiB * 8) / 1e9 / 4, 12);
  });

  it("1 Gbit/s is about 119.2 MiB/s", () => {
    expect(throughput(1e9 / 8, 1).mibPerSecond).toBeCloseTo(119.209, 3);
  });

  it("no time, no figure", () => {
    expect(throughput(MiB, 0).mibPerSecond).toBeNaN();
    expect(throughput(MiB, Number.NaN).gbitPerSecond).toBeNaN();
  });
});

describe("number formatting", () => {
  it("fixed shows – for missing figures", () => {
    expect(fixed(1.2345, 2)).toBe("1.23");
    expect(fixed(Number.NaN, 2)).toBe("–");
    expect(fixed(undefined, 1)).toBe("–");
    expect(fixed(Number.POSITIVE_INFINITY, 1)).toBe("–");
  });

  it.each([
    [0, "0"],
    [0.01234, "0.012"],
    [1.234, "1.23"],
    [12.34, "12.3"],
    [1234.5, "1235"],
    [-12.34, "-12.3"],
  ])("compact(%d) = %s", (value, text) => {
    expect(compact(value)).toBe(text);
  });
});

describe("sizeLabel", () => {
  it.each([
    [8 * MiB, "8MiB"],
    [GiB, "1GiB"],
    [4096, "4KiB"],
    [1000, "1000B"],
    [1.5 * GiB, "1536MiB"],
    [5 * MiB + 1, "5MiB"],
    [GiB + 1, "1GiB"],
  ])("%d → %s", (bytes, label) => {
    expect(sizeLabel(bytes)).toBe(label);
  });

  it("keeps two decimals when no unit divides", () => {
    expect(sizeLabel(1536 * 1024 + 100)).toBe("1.5MiB");
    expect(sizeLabel(Math.round(2.25 * MiB) + 3)).toBe("2.25MiB");
  });
});

describe("formatTable", () => {
  const columns = [{ header: "tool" }, { header: "wall s", align: "right" as const }];

  it("markdown: padded, with alignment markers", () => {
    const text = formatTable(columns, [
      ["s3xfer", "4.2"],
      ["aws", "10.25"],
    ]);
    expect(text).toBe(
      "| tool   | wall s |\n" + "|:-------|-------:|\n" + "| s3xfer |    4.2 |\n" + "| aws    |  10.25 |\n",
    );
  });

  it("plain: no pipes, trailing spaces trimmed", () => {
    const text = formatTable(columns, [["s3xfer", "4.2"]], "plain");
    expect(text).toBe("tool    wall s\n" + "------  ------\n" + "s3xfer     4.2\n");
  });

  it("missing cells render empty and non-ASCII counts per character", () => {
    const text = formatTable([{ header: "a" }, { header: "b" }], [["–"], ["xy", "z"]]);
    expect(text.split("\n")[2]).toBe("| –   |     |");
  });
});
