/** Running a bench's transfers one after another, and what each run measured. */
import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { UsageError } from "../errors.js";
import { classifyError } from "../s3/error-class.js";
import { explainS3Error } from "../s3/error-explain.js";
import { copy } from "../transfer/copy.js";
import type { TransferEvent } from "../transfer/events.js";
import type { TransferResult } from "../transfer/result.js";
import { upload } from "../transfer/upload.js";
import { deleteQuietly } from "./bench-cleanup.js";
import { GiB, sizeLabel, throughput } from "./format.js";
import { schedule, type BenchCase, type BenchMode } from "./matrix.js";
import { RandomDataStream } from "./random-data.js";
import { ResourceMeter, type ResourceUsage } from "./resources.js";
import { latencySummary, type LatencySummary } from "./stats.js";

/** Everything decided before a byte is sent. */
export interface BenchSettings {
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

export interface RunRecord {
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

export async function checkBucket(client: S3Client, bucket: string): Promise<void> {
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

/** Runs every case `settings.repeat` times, interleaved, appending each finished run to `records`. */
export async function runAll(
  settings: BenchSettings,
  client: S3Client,
  dataFile: string | undefined,
  signal: AbortSignal,
  records: RunRecord[],
  /** Where the progress lines go (a library never prints: the command decides). */
  say: (line: string) => void,
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
