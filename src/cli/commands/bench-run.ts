/**
 * `s3xfer bench`'s implementation, loaded by its command (bench.ts) only when the command runs, so other
 * commands and --help do not load the AWS SDK and the transfer engine. The runner, the cleanup and the
 * report live under src/bench/; this module turns the flags into settings and runs them in order.
 */
import { setMaxListeners } from "node:events";
import { mkdtemp, rm, statfs } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cleanUp, type Cleanup } from "../../bench/bench-cleanup.js";
import { jsonReport, skippedLines, summarize, textReport } from "../../bench/bench-report.js";
import { checkBucket, runAll, type BenchSettings, type RunRecord } from "../../bench/bench-runner.js";
import { GiB, MiB, sizeLabel } from "../../bench/format.js";
import { benchCases, parseCountList, parseModes, parseSizeList, recommend } from "../../bench/matrix.js";
import { writeRandomFile } from "../../bench/random-data.js";
import { UsageError } from "../../errors.js";
import { formatSize, planCopy, planUpload } from "../../planner/index.js";
import { createMainClient, endpointFromEnvironment } from "../../s3/client-settings.js";
import { parseS3Url } from "../../s3/url.js";
import { resolveAlgorithm } from "../../transfer/options.js";
import { connectionFromFlags } from "../connection-flags.js";
import { EXIT } from "../exit-codes.js";
import { interruptSignal } from "../interrupt.js";
import type { BenchArgs } from "./bench.js";

const DEFAULT_SIZE = GiB;

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

  // The first Ctrl-C stops the runs and still removes what was created; a second one quits at once.
  const interrupt = interruptSignal(undefined, {
    stopping: (name) =>
      `\ns3xfer bench: ${name === "SIGINT" ? "Ctrl-C" : name}: stopping and removing what was created` +
      (name === "SIGINT" ? " (Ctrl-C again to quit at once)\n" : "\n"),
    quitting: () =>
      `s3xfer bench: quitting without cleaning up: remove s3://${bucket}/${runPrefix} ` +
      `(objects and multipart uploads), e.g. aws s3 rm --recursive s3://${bucket}/${runPrefix}\n`,
  });
  const signal = interrupt.signal;
  // Every part in flight listens on this one signal; that is not a leak.
  setMaxListeners(0, signal);

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
      await writeRandomFile(dataFile, size, { signal });
      say(
        `wrote ${sizeLabel(size)} of random data to ${dataFile} in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
          "  (uploads read it from the page cache: figures are network + server, not disk)",
      );
    }
    await runAll(settings, client, dataFile, signal, records, say);
  } catch (error) {
    failure = error;
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    cleanup = await cleanUp(client, bucket, runPrefix);
    interrupt.dispose();
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
