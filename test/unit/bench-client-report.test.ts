import { describe, expect, it } from "vitest";
import { parseTimeLine } from "../../bench/client/measure.js";
import { copyTable, summarise, uploadTable, type CaseInfo, type Run } from "../../bench/client/report.js";

const GiB = 1024 ** 3;
const run = (caseId: string, cpu: number, units = 2 * GiB, ok = true): Run => ({
  caseId,
  ok,
  wallSeconds: 2,
  cpuUserSeconds: cpu * 0.75,
  cpuSystemSeconds: cpu * 0.25,
  maxRssBytes: 100 * 1024 * 1024,
  units,
});

describe("client bench: GNU time's line", () => {
  it("reads wall, user, system and max RSS", () => {
    expect(parseTimeLine("Command exited with non-zero status 1\n1.50 0.75 0.25 2048\n")).toEqual({
      wall: 1.5,
      user: 0.75,
      system: 0.25,
      maxRssKiB: 2048,
    });
  });

  it("gives NaN for a run that time did not report", () => {
    expect(parseTimeLine("").user).toBeNaN();
  });
});

describe("client bench: summaries and ratios", () => {
  const cases: CaseInfo[] = [
    { id: "s3xfer", label: "s3xfer", kind: "s3xfer", floorId: "floor" },
    { id: "peer-a", label: "peer a", kind: "peer" },
    { id: "peer-b", label: "peer b", kind: "peer" },
    { id: "floor", label: "floor", kind: "floor" },
  ];
  const runs = [
    run("s3xfer", 4),
    run("s3xfer", 6),
    run("s3xfer", 100, 2 * GiB, false),
    run("peer-a", 8),
    run("peer-b", 10),
    run("floor", 2),
  ];

  it("takes medians of the successful runs, per GiB, against the cheapest peer and the floor", () => {
    const [s3xfer, peerA, , floor] = summarise(cases, runs, "GiB");
    expect(s3xfer).toMatchObject({ runs: 2, failed: 1, cpuPerUnit: 2.5, vsPeer: 2.5 / 4, vsFloor: 2.5 });
    expect(peerA!.vsPeer).toBe(1);
    expect(floor!.cpuPerUnit).toBe(1);
  });

  it("gives milliseconds per part for copies", () => {
    const [s3xfer] = summarise(cases.slice(0, 1), [run("s3xfer", 2, 1000)], "part");
    expect(s3xfer!.cpuPerUnit).toBe(2);
    expect(s3xfer!.rate).toBe(500);
  });

  it("prints tables within 80 columns", () => {
    const summaries = summarise(
      [{ id: "x", label: "a very long label that goes on and on and on and on", kind: "s3xfer" }],
      [run("x", 1)],
      "GiB",
    );
    for (const text of [uploadTable(summaries), copyTable(summaries)]) {
      for (const line of text.trimEnd().split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    }
  });
});
