/**
 * From measured runs to the printed tables: medians per case, ratios to the best peer and to the floor,
 * all within 80 columns. Pure, so it is unit-tested (test/unit/bench-client-report.test.ts).
 */
import { compact, fixed, formatTable, GiB, MiB, type Column } from "../../src/bench/format.js";
import { median } from "../../src/bench/stats.js";

export type CaseKind = "s3xfer" | "peer" | "floor";

export interface Run {
  caseId: string;
  ok: boolean;
  wallSeconds: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  maxRssBytes: number;
  /** Bytes uploaded, or parts copied (copy cases), or 0 (start-up cases). */
  units: number;
}

export interface CaseInfo {
  id: string;
  label: string;
  kind: CaseKind;
  /** Which floor case an upload is compared with (the one with its checksum algorithm). */
  floorId?: string;
}

export interface CaseSummary {
  id: string;
  label: string;
  kind: CaseKind;
  runs: number;
  failed: number;
  wallSeconds: number;
  cpuSeconds: number;
  cpuSystemSeconds: number;
  maxRssMiB: number;
  /** Upload: CPU-s per GiB. Copy: CPU ms per part. Start-up: CPU s. */
  cpuPerUnit: number;
  /** Upload: MiB/s. Copy: parts/s. */
  rate: number;
  vsPeer: number;
  vsFloor: number;
}

export function summarise(
  cases: readonly CaseInfo[],
  runs: readonly Run[],
  unit: "GiB" | "part" | "run",
): CaseSummary[] {
  const perUnit = (run: Run) => {
    const cpu = run.cpuUserSeconds + run.cpuSystemSeconds;
    if (unit === "GiB") return cpu / (run.units / GiB);
    if (unit === "part") return (cpu * 1000) / run.units;
    return cpu;
  };
  const rate = (run: Run) =>
    unit === "GiB" ? run.units / MiB / run.wallSeconds : run.units / run.wallSeconds;
  const summaries = cases.map((c): CaseSummary => {
    const mine = runs.filter((r) => r.caseId === c.id);
    const good = mine.filter((r) => r.ok);
    return {
      id: c.id,
      label: c.label,
      kind: c.kind,
      runs: good.length,
      failed: mine.length - good.length,
      wallSeconds: median(good.map((r) => r.wallSeconds)),
      cpuSeconds: median(good.map((r) => r.cpuUserSeconds + r.cpuSystemSeconds)),
      cpuSystemSeconds: median(good.map((r) => r.cpuSystemSeconds)),
      maxRssMiB: median(good.map((r) => r.maxRssBytes / MiB)),
      cpuPerUnit: median(good.map(perUnit)),
      rate: unit === "run" ? Number.NaN : median(good.map(rate)),
      vsPeer: Number.NaN,
      vsFloor: Number.NaN,
    };
  });
  const peers = summaries.filter((s) => s.kind === "peer" && Number.isFinite(s.cpuPerUnit));
  const bestPeer = peers.length ? Math.min(...peers.map((s) => s.cpuPerUnit)) : Number.NaN;
  for (const s of summaries) {
    s.vsPeer = s.cpuPerUnit / bestPeer;
    const floorId = cases.find((c) => c.id === s.id)?.floorId;
    const floor = floorId ? summaries.find((f) => f.id === floorId) : undefined;
    s.vsFloor = floor ? s.cpuPerUnit / floor.cpuPerUnit : Number.NaN;
  }
  return summaries;
}

function label(s: CaseSummary, width: number): string {
  const text = s.failed ? `${s.label} (${s.failed} failed)` : s.label;
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

const right = (header: string): Column => ({ header, align: "right" });

export function uploadTable(summaries: readonly CaseSummary[]): string {
  return formatTable(
    [
      { header: "upload (client)" },
      right("CPU-s/GiB"),
      right("sys"),
      right("×peer"),
      right("×floor"),
      right("RSS MiB"),
      right("MiB/s"),
    ],
    summaries.map((s) => [
      label(s, 30),
      fixed(s.cpuPerUnit, 2),
      fixed(s.cpuSystemSeconds / s.cpuSeconds, 2),
      fixed(s.vsPeer, 2),
      fixed(s.vsFloor, 2),
      fixed(s.maxRssMiB, 0),
      fixed(s.rate, 0),
    ]),
    "plain",
  );
}

export function copyTable(summaries: readonly CaseSummary[]): string {
  return formatTable(
    [
      { header: "copy (UploadPartCopy)" },
      right("ms CPU/part"),
      right("×peer"),
      right("parts/s"),
      right("RSS MiB"),
      right("wall s"),
    ],
    summaries.map((s) => [
      label(s, 32),
      fixed(s.cpuPerUnit, 3),
      fixed(s.vsPeer, 2),
      fixed(s.rate, 0),
      fixed(s.maxRssMiB, 0),
      compact(s.wallSeconds),
    ]),
    "plain",
  );
}

export function startupTable(summaries: readonly CaseSummary[]): string {
  return formatTable(
    [{ header: "start-up" }, right("CPU s"), right("wall s"), right("×peer"), right("RSS MiB")],
    summaries.map((s) => [
      label(s, 40),
      fixed(s.cpuSeconds, 3),
      fixed(s.wallSeconds, 3),
      fixed(s.vsPeer, 2),
      fixed(s.maxRssMiB, 0),
    ]),
    "plain",
  );
}
