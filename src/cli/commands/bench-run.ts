/**
 * `s3xfer bench`'s implementation, loaded by its command (bench.ts) only when the command runs, so other
 * commands and --help do not load the AWS SDK and the transfer engine.
 */
import { setMaxListeners } from "node:events";
import { mkdtemp, rm, statfs } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  formatTable,
  fixed,
  compact,
  GiB,
  MiB,
  sizeLabel,
  throughput,
  type Column,
} from "../../bench/format.js";
import {
  benchCases,
  parseCountList,
  parseModes,
  parseSizeList,
  recommend,
  schedule,
  type BenchCase,
  type BenchMode,
  type CaseFigures,
  type Recommendation,
} from "../../bench/matrix.js";
import { RandomDataStream, writeRandomFile } from "../../bench/random-data.js";
import { ResourceMeter, type ResourceUsage } from "../../bench/resources.js";
import { latencySummary, median, type LatencySummary } from "../../bench/stats.js";
import { S3xferError, UsageError } from "../../errors.js";
import { connectionFromFlags } from "../transfer-flags.js";
import { formatSize, planCopy, planUpload } from "../../planner/index.js";
import { classifyError } from "../../s3/error-class.js";
import { createMainClient, endpointFromEnvironment } from "../../s3/client-settings.js";
import { parseS3Url } from "../../s3/url.js";
import { listUploads as listUploadPages } from "../../s3/multipart-requests.js";
import { copy } from "../../transfer/copy.js";
import type { TransferEvent } from "../../transfer/events.js";
import { resolveAlgorithm } from "../../transfer/options.js";
import type { TransferResult } from "../../transfer/result.js";
import { explainS3Error } from "../../s3/error-explain.js";
import { upload } from "../../transfer/upload.js";
import { EXIT } from "../exit-codes.js";
import { SIGNAL_EXIT } from "../interrupt.js";
import { packageVersion } from "../version.js";

import type { BenchArgs } from "./bench.js";

const DEFAULT_SIZE = GiB;

/** Everything decided before a byte is sent. */
interface BenchSettings {
  bucket: string;
  /** The user's prefix, "" or ending in "/". */
  prefix: string;
  /** This run's own prefix under it: everything created lives here. */
  runPrefix: string;
  size: number;
  cases: BenchCase[];
  /** Concurrencies above the part count that would repeat a kept case: not run. */
  skipped: BenchCase[];
  repeat: number;
  checksumAlgorithm: string | undefined;
  uploadFrom: "file" | "stream";
  endpoint: string | undefined;
}

interface RunRecord {
  round: number;
  mode: BenchMode;
  partSize: number;
  concurrency: number;
  key: string;
  ok: boolean;
  error?: string;
  wallSeconds: number;
  mibPerSecond: number;
  gbitPerSecond: number;
  parts: number;
  retries: number;
  throttles: number;
  partRequestsPerSecond: number;
  /** Parts actually in flight on average: the sum of part durations over the wall time. */
  meanInFlight: number;
  partLatencyMs: LatencySummary;
  /** Every part's duration: pooled across rounds for the case's percentiles (left out of --json). */
  partDurationsMs: number[];
  cpuSeconds: number;
  cpuSecondsPerGiB: number;
  peakRssBytes: number;
  eventLoopDelayMs: ResourceUsage["eventLoopDelay"];
}

interface CaseSummary extends CaseFigures {
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

interface Cleanup {
  objectsDeleted: number;
  uploadsAborted: number;
  leftBehind: { objects: number; uploads: number };
  errors: string[];
}

function settingsFrom(args: BenchArgs): BenchSettings {
  const location = parseS3Url(args.target, { requireKey: false });
  if (location.versionId) throw new UsageError("USAGE", "the bench target is a prefix: drop ?versionId=");
  const prefix = location.key === "" || location.key.endsWith("/") ? location.key : `${location.key}/`;
  const size = args.size ?? DEFAULT_SIZE;
  if (size < 1) throw new UsageError("INVALID_SIZE", "--size must be at least 1 byte");
  const modes = parseModes(args.mode);
  const partSizes = parseSizeList(args["part-size"], "--part-size");
  const concurrencies = parseCountList(args.concurrency, "--concurrency");
  if (!Number.isInteger(args.repeat) || args.repeat < 1 || args.repeat > 100) {
    throw new UsageError("USAGE", `--repeat must be a whole number from 1 to 100, got ${args.repeat}`);
  }
  resolveAlgorithm(args["checksum-algorithm"]);
  // The planner refuses impossible settings (too small, too large, more than 10,000 parts) in its own words.
  for (const partSize of partSizes) {
    if (modes.includes("upload")) planUpload(size, { partSize, strictPartSize: true, forceMultipart: true });
    if (modes.includes("copy")) planCopy(size, { partSize, strictPartSize: true, forceMultipart: true });
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  const runPrefix = `${prefix}s3xfer-bench-${stamp}-${Math.random().toString(36).slice(2, 8)}/`;
  const cases = benchCases(modes, partSizes, concurrencies, size);
  return {
    bucket: location.bucket,
    prefix,
    runPrefix,
    size,
    cases: [...cases],
    skipped: cases.skipped ?? [],
    repeat: args.repeat,
    checksumAlgorithm: args["checksum-algorithm"],
    uploadFrom: args["upload-from"],
    endpoint: args["endpoint-url"] ?? endpointFromEnvironment(),
  };
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function runBench(args: BenchArgs): Promise<number> {
  const settings = settingsFrom(args);
  const { bucket, runPrefix, size } = settings;
  warnAboutMemory(settings);
  const client = createMainClient(connectionFromFlags(args));

  const controller = new AbortController();
  // Every part in flight listens on this one signal; that is not a leak.
  setMaxListeners(0, controller.signal);
  let interrupts = 0;
  let signalExit: number = EXIT.interrupted;
  const onSignal = (name: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      // 130 for Ctrl-C, 143 for SIGTERM; only Ctrl-C can be pressed again.
      signalExit = SIGNAL_EXIT[name as keyof typeof SIGNAL_EXIT] ?? EXIT.interrupted;
      say(
        `\ns3xfer bench: ${name === "SIGINT" ? "Ctrl-C" : name}: stopping and removing what was created` +
          (name === "SIGINT" ? " (Ctrl-C again to quit at once)" : ""),
      );
      controller.abort(new S3xferError("ABORTED", `interrupted by ${name}`, { exitCode: signalExit }));
    } else {
      say(
        `s3xfer bench: quitting without cleaning up: remove s3://${bucket}/${runPrefix} ` +
          `(objects and multipart uploads), e.g. aws s3 rm --recursive s3://${bucket}/${runPrefix}`,
      );
      process.exit(signalExit);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let tempDir: string | undefined;
  const records: RunRecord[] = [];
  let cleanup: Cleanup | undefined;
  let failure: unknown;
  try {
    await checkBucket(client, bucket);
    for (const line of skippedLines(settings)) say(line);
    say(
      `s3xfer bench: ${sizeLabel(size)} per transfer, ${settings.cases.length} settings × ${settings.repeat} ` +
        `round(s)\n  under s3://${bucket}/${runPrefix}${settings.endpoint ? `\n  at ${settings.endpoint}` : ""}`,
    );
    const uploads = settings.cases.some((c) => c.mode === "upload");
    let dataFile: string | undefined;
    if (uploads && settings.uploadFrom === "file") {
      const parent = args["temp-dir"] ?? os.tmpdir();
      await checkFreeSpace(parent, size);
      tempDir = await mkdtemp(path.join(parent, "s3xfer-bench-"));
      dataFile = path.join(tempDir, "data.bin");
      const started = performance.now();
      await writeRandomFile(dataFile, size, { signal: controller.signal });
      say(
        `wrote ${sizeLabel(size)} of random data to ${dataFile} in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
          "  (uploads read it from the page cache: figures are network + server, not disk)",
      );
    }
    await runAll(settings, client, dataFile, controller.signal, records);
  } catch (error) {
    failure = error;
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    cleanup = await cleanUp(client, bucket, runPrefix);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    client.destroy();
  }

  const summaries = summarize(settings, records);
  const recommendations = recommend(summaries);
  const nothingDone = records.length === 0 && cleanup.objectsDeleted === 0 && cleanup.uploadsAborted === 0;
  if (failure !== undefined && nothingDone && !args.json) {
    // Refused before anything ran (no bucket, no access): the error alone says it.
  } else if (args.json) {
    process.stdout.write(
      `${JSON.stringify(jsonReport(settings, records, summaries, recommendations, cleanup, failure), null, 2)}\n`,
    );
  } else {
    process.stdout.write(textReport(settings, summaries, recommendations, cleanup));
  }
  if (cleanup.leftBehind.objects || cleanup.leftBehind.uploads) {
    say(
      `s3xfer bench: warning: ${cleanup.leftBehind.objects} object(s) and ${cleanup.leftBehind.uploads} ` +
        `multipart upload(s) could not be removed under s3://${bucket}/${runPrefix}: ${cleanup.errors.join("; ")}`,
    );
  }
  if (failure !== undefined) throw failure;
  if (records.some((r) => !r.ok)) return EXIT.failed;
  return EXIT.ok;
}

function warnAboutMemory(settings: BenchSettings): void {
  const worst = Math.max(
    ...settings.cases.map(
      (c) =>
        Math.min(c.partSize, settings.size) * Math.min(c.concurrency, Math.ceil(settings.size / c.partSize)),
    ),
  );
  if (worst > os.totalmem() / 2) {
    say(
      `s3xfer bench: warning: up to ${formatSize(worst)} of parts may be in memory at once (part size × concurrency), ` +
        `more than half of this machine's ${formatSize(os.totalmem())}`,
    );
  }
}

/** The temp file must fit, with room to spare for everyone else using that disk. */
async function checkFreeSpace(dir: string, size: number): Promise<void> {
  let free: number;
  try {
    const stats = await statfs(dir);
    free = stats.bavail * stats.bsize;
  } catch {
    throw new UsageError("USAGE", `--temp-dir ${dir} cannot be used: it does not exist or cannot be read`);
  }
  if (size > free - 1024 * MiB) {
    throw new UsageError(
      "USAGE",
      `the ${formatSize(size)} temp file does not fit in ${dir} (${formatSize(free)} free): ` +
        "use --temp-dir on a larger disk, or --upload-from stream",
    );
  }
}

async function checkBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const info = classifyError(error);
    if (info.httpStatus === 404 || info.code === "NotFound" || info.code === "NoSuchBucket") {
      throw new UsageError(
        "NO_SUCH_BUCKET",
        `bucket "${bucket}" does not exist: s3xfer bench writes under a prefix of an existing bucket ` +
          `and removes what it wrote; create the bucket first (e.g. aws s3 mb s3://${bucket})`,
      );
    }
    throw explainS3Error(error, { bucket, key: "" }, "checking the bucket");
  }
}

async function runAll(
  settings: BenchSettings,
  client: S3Client,
  dataFile: string | undefined,
  signal: AbortSignal,
  records: RunRecord[],
): Promise<void> {
  const { bucket, runPrefix, size, cases } = settings;
  const runs = schedule(cases, settings.repeat);
  // Copies need an object of --size: the first successful upload stays as their source; with copies only,
  // one is uploaded (untimed) from generated data.
  let copySource: string | undefined;
  const sourceKey = `${runPrefix}copy-source`;
  for (const [index, run] of runs.entries()) {
    signal.throwIfAborted();
    const c = cases[run.caseIndex]!;
    if (c.mode === "copy" && copySource === undefined) {
      say(`uploading the copy source s3://${bucket}/${sourceKey} (untimed)`);
      await upload({
        client,
        bucket,
        key: sourceKey,
        source: new RandomDataStream(size),
        expectedSize: size,
        forceMultipart: true,
        signal,
        keepForResume: true,
        journal: false,
      });
      copySource = sourceKey;
    }
    const key = `${runPrefix}${c.mode}-${sizeLabel(c.partSize)}-c${c.concurrency}-r${run.round + 1}`;
    const record = await runOne(settings, client, c, run.round, key, dataFile, copySource, signal);
    // A run cut short by Ctrl-C is no result.
    signal.throwIfAborted();
    records.push(record);
    say(
      `[${index + 1}/${runs.length}] ${c.mode} part size ${sizeLabel(c.partSize)}, concurrency ${c.concurrency}: ` +
        (record.ok
          ? `${record.wallSeconds.toFixed(2)} s, ${record.mibPerSecond.toFixed(1)} MiB/s (${record.gbitPerSecond.toFixed(2)} Gbit/s)` +
            (record.retries ? `, ${record.retries} retries` : "")
          : `FAILED: ${record.error}`),
    );
    if (record.ok && c.mode === "upload" && copySource === undefined) {
      copySource = key;
      continue;
    }
    if (record.ok) await deleteQuietly(client, bucket, key);
  }
}

async function runOne(
  settings: BenchSettings,
  client: S3Client,
  c: BenchCase,
  round: number,
  key: string,
  dataFile: string | undefined,
  copySource: string | undefined,
  signal: AbortSignal,
): Promise<RunRecord> {
  const { bucket, size } = settings;
  const durations: number[] = [];
  const onEvent = (event: TransferEvent) => {
    if (event.type === "part") durations.push(event.durationMs);
  };
  const common = {
    client,
    bucket,
    key,
    partSize: c.partSize,
    strictPartSize: true,
    forceMultipart: true,
    concurrency: c.concurrency,
    ...(settings.checksumAlgorithm !== undefined
      ? { checksumAlgorithm: settings.checksumAlgorithm as "NONE" }
      : {}),
    signal,
    // As `cp` runs: Ctrl-C stops starting parts and keeps the upload instead of cancelling parts in flight
    // (the final sweep aborts it). A signal handed down for cancelling makes the worker pool run one part
    // per thread, which would measure that limit instead of the concurrency asked for.
    keepForResume: true,
    journal: false as const,
    onEvent,
  };
  const meter = new ResourceMeter();
  let result: TransferResult | undefined;
  let error: unknown;
  try {
    result =
      c.mode === "upload"
        ? await upload({
            ...common,
            ...(dataFile ? { source: dataFile } : { source: new RandomDataStream(size), expectedSize: size }),
          })
        : await copy({ ...common, source: { bucket, key: copySource! } });
  } catch (caught) {
    error = caught;
  }
  const usage = meter.stop();
  const seconds = usage.wallSeconds;
  const rate = throughput(size, seconds);
  const ok = result !== undefined;
  const parts = result?.parts ?? durations.length;
  const retries = result?.retries ?? 0;
  return {
    round,
    mode: c.mode,
    partSize: c.partSize,
    concurrency: c.concurrency,
    key,
    ok,
    ...(ok ? {} : { error: error instanceof Error ? error.message : String(error) }),
    wallSeconds: seconds,
    mibPerSecond: ok ? rate.mibPerSecond : Number.NaN,
    gbitPerSecond: ok ? rate.gbitPerSecond : Number.NaN,
    parts,
    retries,
    throttles: result?.throttles ?? 0,
    partRequestsPerSecond: (parts + retries) / seconds,
    meanInFlight: durations.reduce((sum, d) => sum + d, 0) / 1000 / seconds,
    partLatencyMs: latencySummary(durations),
    partDurationsMs: durations,
    cpuSeconds: usage.cpuSeconds,
    cpuSecondsPerGiB: usage.cpuSeconds / (size / GiB),
    peakRssBytes: usage.peakRssBytes,
    eventLoopDelayMs: usage.eventLoopDelay,
  };
}

function summarize(settings: BenchSettings, records: readonly RunRecord[]): CaseSummary[] {
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

async function deleteQuietly(client: S3Client, bucket: string, key: string): Promise<void> {
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch {
    // The final sweep lists the prefix and tries again; what still fails is reported there.
  }
}

/**
 * Removes everything under this run's prefix: multipart uploads still open (a transfer cut short aborts its
 * own, but a killed worker or a failed abort may leave one), then every object — every version of it when
 * the bucket is versioned — and finally lists again to report what is left. Never uses the run's abort
 * signal: it must still work after Ctrl-C.
 */
async function cleanUp(client: S3Client, bucket: string, runPrefix: string): Promise<Cleanup> {
  const cleanup: Cleanup = {
    objectsDeleted: 0,
    uploadsAborted: 0,
    leftBehind: { objects: 0, uploads: 0 },
    errors: [],
  };
  const note = (what: string, error: unknown) => {
    const info = classifyError(error);
    cleanup.errors.push(
      `${what}: ${info.code ?? info.name}${info.httpStatus ? ` (HTTP ${info.httpStatus})` : ""}`,
    );
  };
  for (const upload of await listUploads(client, bucket, runPrefix, note)) {
    try {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }),
      );
      cleanup.uploadsAborted++;
    } catch (error) {
      note(`aborting upload ${upload.uploadId} of ${upload.key}`, error);
    }
  }
  for (const object of await listObjects(client, bucket, runPrefix, note)) {
    try {
      await client.send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: object.key,
          ...(object.versionId ? { VersionId: object.versionId } : {}),
        }),
      );
      cleanup.objectsDeleted++;
    } catch (error) {
      note(`deleting ${object.key}`, error);
    }
  }
  cleanup.leftBehind = {
    objects: (await listObjects(client, bucket, runPrefix, note)).length,
    uploads: (await listUploads(client, bucket, runPrefix, note)).length,
  };
  return cleanup;
}

type Note = (what: string, error: unknown) => void;

async function listUploads(
  client: S3Client,
  bucket: string,
  prefix: string,
  note: Note,
): Promise<{ key: string; uploadId: string }[]> {
  const found: { key: string; uploadId: string }[] = [];
  try {
    for await (const upload of listUploadPages(client, bucket, prefix)) found.push(upload);
  } catch (error) {
    note("listing multipart uploads", error);
  }
  return found;
}

async function listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  note: Note,
): Promise<{ key: string; versionId?: string }[]> {
  const found: { key: string; versionId?: string }[] = [];
  try {
    const versioning = await client
      .send(new GetBucketVersioningCommand({ Bucket: bucket }))
      .then((v) => v.Status)
      .catch(() => undefined);
    if (versioning === "Enabled" || versioning === "Suspended") {
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        const page = await client.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            Prefix: prefix,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
          }),
        );
        for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
          if (v.Key) found.push({ key: v.Key, ...(v.VersionId ? { versionId: v.VersionId } : {}) });
        }
        if (!page.IsTruncated) break;
        keyMarker = page.NextKeyMarker;
        versionIdMarker = page.NextVersionIdMarker;
      }
    } else {
      let token: string | undefined;
      for (;;) {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const o of page.Contents ?? []) if (o.Key) found.push({ key: o.Key });
        if (!page.IsTruncated || !page.NextContinuationToken) break;
        token = page.NextContinuationToken;
      }
    }
  } catch (error) {
    note("listing objects", error);
  }
  return found;
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
function skippedLines(settings: BenchSettings): string[] {
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

function textReport(
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

function jsonReport(
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
