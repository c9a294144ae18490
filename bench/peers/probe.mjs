// Library runs of s3xfer for the peer bench, each in its own process so its memory and CPU are its own:
//
//   node probe.mjs make-object BUCKET KEY SIZE [PART_SIZE MIN_PART_SIZE CONCURRENCY]
//       uploads SIZE random bytes generated on the fly (a copy source; never held whole in memory)
//   node probe.mjs upload FILE BUCKET KEY
//       uploads FILE with the defaults, measuring the main thread's event-loop delay
//   node probe.mjs copy BUCKET SOURCE_KEY KEY [MIN_PART_SIZE THREADS]
//       server-side copy in parts with the source's own layout (as above 5 GiB), optionally with THREADS workers
//
// Each prints one JSON line: the transfer result's figures plus wall/CPU seconds, the sampled peak RSS,
// the process's lifetime peak RSS (getrusage) and the event-loop delay. Endpoint and credentials come from
// the environment. The s3xfer build is S3XFER_DIST (default: this repository's dist/).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = process.env.S3XFER_DIST ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../../dist");
const load = (module) => import(pathToFileURL(path.join(dist, module)).href);
const { upload, copy } = await load("index.js");
const { RandomDataStream } = await load("bench/random-data.js");
const { ResourceMeter } = await load("bench/resources.js");

const [command, ...args] = process.argv.slice(2);
const endpoint = process.env.AWS_ENDPOINT_URL;
const limitsFor = (minPartSize) => (minPartSize ? { limits: { minPartSize: Number(minPartSize) } } : {});

let parts = 0;
const onEvent = (event) => {
  if (event.type === "part") parts++;
};
/**
 * The main thread's CPU time and the time it sat runnable but not running (waiting for a core), from
 * /proc/self/task/PID/schedstat: on a busy 2-core machine much of the event-loop delay is that wait.
 */
function mainThreadSchedule() {
  try {
    const [cpu, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8")
      .trim()
      .split(" ")
      .map(Number);
    return { cpuMs: cpu / 1e6, runQueueWaitMs: wait / 1e6 };
  } catch {
    return { cpuMs: Number.NaN, runQueueWaitMs: Number.NaN };
  }
}
const scheduleBefore = mainThreadSchedule();
const meter = new ResourceMeter(20);
let result;
switch (command) {
  case "make-object": {
    const [bucket, key, size, partSize, minPartSize, concurrency] = args;
    result = await upload({
      endpoint,
      bucket,
      key,
      source: new RandomDataStream(Number(size)),
      expectedSize: Number(size),
      forceMultipart: true,
      ...(partSize ? { partSize: Number(partSize), strictPartSize: true } : {}),
      ...(concurrency ? { concurrency: Number(concurrency) } : {}),
      ...limitsFor(minPartSize),
      onEvent,
    });
    break;
  }
  case "upload": {
    const [file, bucket, key] = args;
    result = await upload({ endpoint, bucket, key, source: file, onEvent });
    break;
  }
  case "copy": {
    const [bucket, sourceKey, key, minPartSize, threads] = args;
    result = await copy({
      endpoint,
      bucket,
      key,
      source: { bucket, key: sourceKey },
      // In parts, with the source's layout: what a copy above 5 GiB does (below it, one CopyObject).
      forceMultipart: true,
      ...limitsFor(minPartSize),
      ...(threads ? { threads: Number(threads) } : {}),
      onEvent,
    });
    break;
  }
  default:
    console.error("usage: probe.mjs make-object|upload|copy …");
    process.exit(2);
}
const usage = meter.stop();
const scheduleAfter = mainThreadSchedule();
process.stdout.write(
  `${JSON.stringify({
    command,
    size: result.size,
    parts: result.parts,
    partEvents: parts,
    partSize: result.partSize,
    retries: result.retries,
    durationMs: result.durationMs,
    verified: result.verified.summary,
    wallSeconds: usage.wallSeconds,
    cpuSeconds: usage.cpuSeconds,
    peakRssBytes: usage.peakRssBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    eventLoopDelayMs: usage.eventLoopDelay,
    mainThread: {
      cpuMs: scheduleAfter.cpuMs - scheduleBefore.cpuMs,
      runQueueWaitMs: scheduleAfter.runQueueWaitMs - scheduleBefore.runQueueWaitMs,
    },
  })}\n`,
);
