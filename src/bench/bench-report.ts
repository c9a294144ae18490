/** What a bench run reports: per-setting summaries, the table, the recommendation, and the --json document. */
import os from "node:os";
import { packageVersion } from "../cli/version.js";
import type { BenchSettings, RunRecord } from "./bench-runner.js";
import type { Cleanup } from "./bench-cleanup.js";
import { compact, fixed, formatTable, MiB, sizeLabel, throughput, type Column } from "./format.js";
import type { CaseFigures, Recommendation } from "./matrix.js";
import { latencySummary, median, type LatencySummary } from "./stats.js";

export interface CaseSummary extends CaseFigures {
  runs: number;
  failed: number;
  wallSeconds: number;
  gbitPerSecond: number;
  partRequestsPerSecond: number;
  meanInFlight: number;
  partLatencyMs: LatencySummary;
  retries: number;
  peakRssBytes: number;
}

export function summarize(settings: BenchSettings, records: readonly RunRecord[]): CaseSummary[] {
  return settings.cases.flatMap((c) => {
    const mine = records.filter(
      (r) => r.mode === c.mode && r.partSize === c.partSize && r.concurrency === c.concurrency,
    );
    if (mine.length === 0) return [];
    const ok = mine.filter((r) => r.ok);
    const wall = median(ok.map((r) => r.wallSeconds));
    const rate = throughput(settings.size, wall);
    // Latencies of every part of every run, not a median of percentiles.
    const latencies: number[] = [];
    for (const r of ok) for (const d of r.partDurationsMs) latencies.push(d);
    return [
      {
        ...c,
        runs: mine.length,
        failed: mine.length - ok.length,
        wallSeconds: wall,
        mibPerSecond: rate.mibPerSecond,
        roundsMibPerSecond: ok.map((r) => r.mibPerSecond),
        gbitPerSecond: rate.gbitPerSecond,
        partRequestsPerSecond: median(ok.map((r) => r.partRequestsPerSecond)),
        meanInFlight: median(ok.map((r) => r.meanInFlight)),
        partLatencyMs: latencySummary(latencies),
        retries: mine.reduce((sum, r) => sum + r.retries, 0),
        cpuSecondsPerGiB: median(ok.map((r) => r.cpuSecondsPerGiB)),
        peakRssBytes: Math.max(0, ...mine.map((r) => r.peakRssBytes)),
      },
    ];
  });
}

/**
 * The table fits 80 columns: throughput, its spread over the rounds, part latency, CPU and memory. The
 * other figures (wall time, Gbit/s, requests per second, parts in flight) are in --json.
 */
const TABLE_COLUMNS: Column[] = [
  { header: "mode" },
  { header: "part", align: "right" },
  { header: "conc", align: "right" },
  { header: "parts", align: "right" },
  { header: "MiB/s", align: "right" },
  { header: "±", align: "right" },
  { header: "p50 ms", align: "right" },
  { header: "p99 ms", align: "right" },
  { header: "CPU s/GiB", align: "right" },
  { header: "RSS MiB", align: "right" },
];

/** Half the spread of the rounds, relative to the median: "±4%"; "–" after one round. */
function spread(s: CaseSummary): string {
  const rounds = s.roundsMibPerSecond?.filter(Number.isFinite) ?? [];
  if (rounds.length < 2 || !(s.mibPerSecond > 0)) return "–";
  return `±${Math.round(((Math.max(...rounds) - Math.min(...rounds)) / 2 / s.mibPerSecond) * 100)}%`;
}

function tableRows(settings: BenchSettings, summaries: readonly CaseSummary[]): string[][] {
  return summaries.map((s) => [
    s.mode,
    sizeLabel(s.partSize),
    String(s.concurrency),
    String(Math.ceil(settings.size / s.partSize)),
    s.failed === s.runs ? "failed" : fixed(s.mibPerSecond, 1),
    spread(s),
    compact(s.partLatencyMs.p50),
    compact(s.partLatencyMs.p99),
    fixed(s.cpuSecondsPerGiB, 2),
    fixed(s.peakRssBytes / MiB, 0),
  ]);
}

/** Which combinations were not run, and why. */
export function skippedLines(settings: BenchSettings): string[] {
  return settings.skipped.map((c) => {
    const parts = Math.ceil(settings.size / c.partSize);
    return (
      `skipped ${c.mode} ${sizeLabel(c.partSize)} × ${c.concurrency}: ${parts} part(s), ` +
      "all in flight at a lower concurrency"
    );
  });
}

function recommendationLine(r: Recommendation): string {
  const c = r.chosen;
  const flags = `--part-size ${sizeLabel(c.partSize)} --concurrency ${c.concurrency}`;
  const figures = `${c.mibPerSecond.toFixed(1)} MiB/s, ${((c.mibPerSecond * MiB * 8) / 1e9).toFixed(2)} Gbit/s`;
  return r.confident
    ? `recommended for ${r.mode}: ${flags}\n  ${figures}\n  ${r.reason}`
    : `fastest ${r.mode} in this round: ${flags}\n  ${figures}\n  ${r.reason}`;
}

export function textReport(
  settings: BenchSettings,
  summaries: readonly CaseSummary[],
  recommendations: readonly Recommendation[],
  cleanup: Cleanup,
): string {
  const lines: string[] = [];
  const rounds = settings.repeat > 1 ? `, median of ${settings.repeat} rounds` : ", one round";
  lines.push(
    `\ns3xfer bench: ${sizeLabel(settings.size)} per transfer to s3://${settings.bucket}/${settings.prefix}` +
      `${settings.endpoint ? `\nat ${settings.endpoint}` : ""}\nchecksum ${settings.checksumAlgorithm?.toUpperCase() ?? "CRC64NVME"}` +
      `${settings.cases.some((c) => c.mode === "upload") ? `, uploads from a ${settings.uploadFrom}` : ""}${rounds}\n`,
  );
  if (summaries.length) lines.push(formatTable(TABLE_COLUMNS, tableRows(settings, summaries), "plain"));
  lines.push(
    "MiB/s: median over the rounds; ±: half the spread of the rounds (the noise)\n" +
      "p50/p99 ms: time per part in its worker (read, checksum, request)\n" +
      "CPU: this process and its worker threads; RSS: peak, sampled every 50 ms\n",
  );
  const retried = summaries.filter((s) => s.retries > 0);
  if (retried.length) {
    lines.push(
      `retries: ${retried.map((s) => `${s.mode} ${sizeLabel(s.partSize)} × ${s.concurrency}: ${s.retries}`).join(", ")}\n`,
    );
  }
  for (const line of skippedLines(settings)) lines.push(`${line}\n`);
  for (const r of recommendations) lines.push(`${recommendationLine(r)}\n`);
  lines.push(
    `cleanup: ${cleanup.objectsDeleted} object(s) deleted, ${cleanup.uploadsAborted} multipart upload(s) aborted\n` +
      (cleanup.leftBehind.objects || cleanup.leftBehind.uploads
        ? `LEFT BEHIND: ${cleanup.leftBehind.objects} object(s), ${cleanup.leftBehind.uploads} upload(s)\n  under s3://${settings.bucket}/${settings.runPrefix}\n`
        : `nothing left under\n  s3://${settings.bucket}/${settings.runPrefix}\n`),
  );
  return lines.join("");
}

export function jsonReport(
  settings: BenchSettings,
  records: readonly RunRecord[],
  summaries: readonly CaseSummary[],
  recommendations: readonly Recommendation[],
  cleanup: Cleanup,
  failure: unknown,
) {
  const cpus = os.cpus();
  return {
    tool: "s3xfer bench",
    version: packageVersion(),
    date: new Date().toISOString(),
    endpoint: settings.endpoint ?? null,
    bucket: settings.bucket,
    prefix: settings.prefix,
    runPrefix: settings.runPrefix,
    size: settings.size,
    repeat: settings.repeat,
    checksumAlgorithm: settings.checksumAlgorithm?.toUpperCase() ?? "CRC64NVME",
    uploadFrom: settings.uploadFrom,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? null,
      memoryBytes: os.totalmem(),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
    },
    cases: summaries,
    runs: records.map(({ partDurationsMs: _omit, ...rest }) => rest),
    recommendations: recommendations.map((r) => ({
      mode: r.mode,
      partSize: r.chosen.partSize,
      concurrency: r.chosen.concurrency,
      mibPerSecond: r.chosen.mibPerSecond,
      confident: r.confident,
      tied: r.tied.map((t) => ({
        partSize: t.partSize,
        concurrency: t.concurrency,
        mibPerSecond: t.mibPerSecond,
      })),
      reason: r.reason,
    })),
    processMaxRssBytes: process.resourceUsage().maxRSS * 1024,
    cleanup,
    ...(failure !== undefined ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
  };
}
