// Transfers through the fault-injecting proxy: transient faults are retried until the bytes arrive intact,
// a part that always fails stops the transfer in bounded time and leaves nothing behind, throttling cuts
// the requests in flight and they grow back, and a stalled request is cut off by the no-progress timeout.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { copy, upload, TransferError, type TransferEvent, type TransferResult } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import { describeStats, startFaultProxy, type FaultProxy, type FaultRule } from "../support/fault-proxy.js";
import { createTestBucket, emptyAndDeleteBucket, localS3Env, testClient } from "../support/local-s3.js";
import { downloadedSha256, inProgressUploads, randomFile, scratchDir } from "../support/objects.js";

const client = testClient();
const env = localS3Env();
const credentials = { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey };
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let proxy: FaultProxy;

/** Library options that send every request through the proxy. */
const viaProxy = () => ({ endpoint: proxy.url, region: env.region, credentials });

beforeAll(async () => {
  bucket = await createTestBucket("faults");
  scratch = await scratchDir();
  // With this seed the 20%/5% runs below draw, on their 40 parts, about the nominal rates of every fault
  // kind (the draws depend only on the seed and the request, so they are the same every run).
  proxy = await startFaultProxy({ seed: 148 });
});

afterAll(async () => {
  await proxy?.close();
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

async function objectExists(key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

/** Runs `body` with the proxy's rules set to `rules`, with fresh counters, and restores a clean proxy. */
async function withFaults<T>(rules: FaultRule[], body: () => Promise<T>): Promise<T> {
  proxy.setRules(rules);
  proxy.resetStats();
  try {
    return await body();
  } finally {
    proxy.setRules([]);
  }
}

describe("20% 503 SlowDown + 5% connection resets on every request", () => {
  const SIZE = 200 * MiB;
  const PART = 5 * MiB;
  // 2.5% reset while the request is being sent, 2.5% while the response is (after the server did the work).
  const RULES: FaultRule[] = [
    { fault: "slowdown", probability: 0.2 },
    { fault: "reset-request", probability: 0.025 },
    { fault: "reset-response", probability: 0.025 },
  ];
  let path: string;
  let sha256: string;
  const figures: Record<string, string | number>[] = [];

  beforeAll(async () => {
    path = join(scratch.dir, "faulted-200MiB");
    sha256 = await randomFile(path, SIZE);
  });

  afterAll(() => {
    // The figures for the closing note: the same transfer with and without faults, through the same proxy.
    if (figures.length > 0) {
      console.log("\nfault run figures (20% SlowDown + 2.5% request resets + 2.5% response resets):");
      console.table(figures);
    }
  });

  async function measure(
    label: string,
    operation: "upload" | "copy",
    rules: FaultRule[],
    run: (onEvent: (e: TransferEvent) => void) => Promise<TransferResult>,
  ) {
    const retryEvents: Extract<TransferEvent, { type: "retry" }>[] = [];
    const started = performance.now();
    const result = await withFaults(rules, () =>
      run((e) => {
        if (e.type === "retry") retryEvents.push(e);
      }),
    );
    const wallMs = performance.now() - started;
    const stats = proxy.stats;
    const partOp = operation === "upload" ? "UploadPart" : "UploadPartCopy";
    const onParts = stats.injectedByOperation[partOp] ?? {};
    const partFaults = Object.values(onParts).reduce((a, b) => a + b, 0);
    figures.push({
      run: label,
      "object bytes": result.size,
      parts: result.parts,
      "bytes sent via proxy": stats.bytesIn,
      requests: stats.requests,
      injected: Object.entries(stats.injected)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(", "),
      "part retries": result.retries,
      throttles: result.throttles,
      "wall s": Number((wallMs / 1000).toFixed(2)),
    });
    console.log(`${label}: ${describeStats(stats)}`);
    return { result, retryEvents, stats, partFaults, onParts, wallMs };
  }

  it("an upload completes with the same bytes, every injected part fault retried once", async () => {
    const upload200 = (key: string) => (onEvent: (e: TransferEvent) => void) =>
      upload({ ...viaProxy(), source: path, bucket, key, partSize: PART, onEvent });

    const clean = await measure("upload, no faults", "upload", [], upload200("upload-clean"));
    expect(clean.result.retries).toBe(0);
    const faulted = await measure("upload, faults", "upload", RULES, upload200("upload-faulted"));

    // The faults really happened, of every kind, on the parts and on the other requests.
    expect(faulted.stats.injected.slowdown).toBeGreaterThan(0);
    expect(faulted.stats.injected["reset-request"]).toBeGreaterThan(0);
    expect(faulted.stats.injected["reset-response"]).toBeGreaterThan(0);
    expect(faulted.partFaults).toBeGreaterThan(0);
    // Each failed part attempt became exactly one retry (and nothing else failed), each 503 a throttle.
    expect(faulted.result.retries).toBe(faulted.partFaults);
    expect(faulted.result.throttles).toBe(faulted.onParts.slowdown ?? 0);
    expect(faulted.retryEvents).toHaveLength(faulted.result.retries);
    expect(faulted.retryEvents.filter((e) => e.throttle)).toHaveLength(faulted.result.throttles);
    // A retry resends the whole part: the proxy received more than the object, by at least the resent parts.
    expect(faulted.stats.bytesIn).toBeGreaterThan(SIZE);

    for (const key of ["upload-clean", "upload-faulted"]) {
      const downloaded = await downloadedSha256(client, bucket, key);
      expect(downloaded.size).toBe(SIZE);
      expect(downloaded.sha256).toBe(sha256);
    }
    // A reset CreateMultipartUpload response orphans the upload the server made (no client can know its id);
    // anything else left behind would be the engine's.
    const left = (await inProgressUploads(client, bucket)).map((u) => u.split(" ")[1]);
    expect(left.filter((id) => !faulted.stats.orphanedUploads.includes(id!))).toEqual([]);
  });

  it("a server-side copy completes with the same bytes, every injected part fault retried once", async () => {
    // The source goes straight to the server: only the copy is under test.
    await upload({
      endpoint: env.endpoint,
      region: env.region,
      credentials,
      source: path,
      bucket,
      key: "copy-source",
      partSize: PART,
    });
    const copy200 = (key: string) => (onEvent: (e: TransferEvent) => void) =>
      copy({
        ...viaProxy(),
        source: { bucket, key: "copy-source" },
        bucket,
        key,
        forceMultipart: true,
        onEvent,
      });

    const clean = await measure("copy, no faults", "copy", [], copy200("copy-clean"));
    expect(clean.result.retries).toBe(0);
    expect(clean.result.request).toBe("multipart");
    const faulted = await measure("copy, faults", "copy", RULES, copy200("copy-faulted"));

    expect(faulted.stats.injected.slowdown).toBeGreaterThan(0);
    expect(
      faulted.stats.injected["reset-request"] + faulted.stats.injected["reset-response"],
    ).toBeGreaterThan(0);
    expect(faulted.partFaults).toBeGreaterThan(0);
    expect(faulted.result.retries).toBe(faulted.partFaults);
    expect(faulted.result.throttles).toBe(faulted.onParts.slowdown ?? 0);
    expect(faulted.result.parts).toBe(SIZE / PART);

    for (const key of ["copy-clean", "copy-faulted"]) {
      const downloaded = await downloadedSha256(client, bucket, key);
      expect(downloaded.size).toBe(SIZE);
      expect(downloaded.sha256).toBe(sha256);
    }
    const left = (await inProgressUploads(client, bucket)).map((u) => u.split(" ")[1]);
    expect(left.filter((id) => !faulted.stats.orphanedUploads.includes(id!))).toEqual([]);
  });
});

// Without a journal there is nothing to resume from, so the upload must be aborted. (With one, a transient
// failure keeps the upload for resume: the journal's tests cover that.)
describe("a part that always fails", () => {
  // Fast backoff so the suite stays quick; the bound below is computed from this policy.
  const retry = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
  const worstBackoffMs = [1, 2, 3, 4].reduce((sum, n) => sum + Math.min(1_000, 100 * 2 ** (n - 1)), 0);

  async function expectFailure(run: () => Promise<unknown>, key: string, partNumber: number) {
    const started = performance.now();
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TransferError);
    const failure = error as TransferError;
    expect(failure.partNumber).toBe(partNumber);
    expect(failure.message).toMatch(
      new RegExp(`part ${partNumber} \\(after 5 attempts\\) failed with InternalError \\(HTTP 500\\)`),
    );
    expect(failure.message).toContain("the multipart upload was aborted, nothing was left on the server");
    expect(failure.exitCode).toBe(1);
    // Bounded: the backoff policy's worst case plus generous time for the requests themselves.
    expect(elapsed).toBeLessThan(worstBackoffMs + 15_000);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    expect(await objectExists(key)).toBe(false);
    return failure;
  }

  it("upload: fails naming the part, after its attempts, aborts the upload, leaves no object", async () => {
    const path = join(scratch.dir, "always-fails-40MiB");
    await randomFile(path, 40 * MiB);
    await withFaults(
      [{ fault: "internal-error", operations: ["UploadPart"], partNumbers: [3] }],
      async () => {
        await expectFailure(
          () =>
            upload({
              ...viaProxy(),
              source: path,
              bucket,
              key: "fails-upload",
              partSize: 5 * MiB,
              retry,
              journal: false,
            }),
          "fails-upload",
          3,
        );
        expect(proxy.stats.injectedByOperation.UploadPart?.["internal-error"]).toBe(5);
        expect(proxy.stats.byOperation.AbortMultipartUpload).toBe(1);
      },
    );
  });

  it("copy: fails naming the part, after its attempts, aborts the upload, leaves no object", async () => {
    const path = join(scratch.dir, "copy-fails-source");
    await randomFile(path, 30 * MiB);
    await upload({
      endpoint: env.endpoint,
      region: env.region,
      credentials,
      source: path,
      bucket,
      key: "fails-src",
    });
    await withFaults(
      [{ fault: "internal-error", operations: ["UploadPartCopy"], partNumbers: [2] }],
      async () => {
        await expectFailure(
          () =>
            copy({
              ...viaProxy(),
              source: { bucket, key: "fails-src" },
              bucket,
              key: "fails-copy",
              partSize: 5 * MiB,
              retry,
              journal: false,
            }),
          "fails-copy",
          2,
        );
        expect(proxy.stats.injectedByOperation.UploadPartCopy?.["internal-error"]).toBe(5);
      },
    );
  });
});

describe("adaptive concurrency under sustained SlowDown", () => {
  it("cuts the requests in flight while throttled and grows them back after", async () => {
    const path = join(scratch.dir, "throttled-200MiB");
    const sha256 = await randomFile(path, 200 * MiB);
    const MAX = 8;
    // [time, concurrency] as the engine reports it, in retry and progress events.
    const reported: [number, number][] = [];
    let liftedAt = Infinity;
    let throttledAt = Infinity;
    const progressAfterLift: number[] = [];
    const retryConcurrency: number[] = [];
    await withFaults(
      // A loaded server is slow to refuse as well: slow 503s make overlapping requests visible at the proxy.
      [{ fault: "slowdown", operations: ["UploadPart"], delayMs: 150 }],
      async () => {
        await upload({
          ...viaProxy(),
          source: path,
          bucket,
          key: "throttled",
          partSize: 5 * MiB,
          concurrency: MAX,
          // The point here is the concurrency, not giving up: let parts retry through the whole episode.
          retry: { maxAttempts: 40 },
          progressIntervalMs: 50,
          onEvent: (e) => {
            const now = performance.now();
            if (e.type === "retry") {
              throttledAt = Math.min(throttledAt, now);
              retryConcurrency.push(e.concurrency);
              reported.push([now, e.concurrency]);
              // Keep it up until three cuts happened (they are at least a second apart), then lift it.
              if (e.concurrency <= MAX / 8 && liftedAt === Infinity) {
                liftedAt = now;
                proxy.setRules([]);
              }
            }
            if (e.type === "progress") {
              reported.push([now, e.concurrency]);
              if (now > liftedAt) progressAfterLift.push(e.concurrency);
            }
          },
        });
      },
    );
    // It dropped by halves, to 1...
    expect(retryConcurrency[0]).toBeLessThanOrEqual(MAX);
    expect(new Set(retryConcurrency)).toEqual(new Set([4, 2, 1]));
    expect(liftedAt).toBeLessThan(Infinity);
    // ...and came back, step by step, to the maximum.
    expect(Math.max(...progressAfterLift)).toBe(MAX);
    const rises = progressAfterLift.filter((c, i) => i > 0 && c > progressAfterLift[i - 1]!);
    expect(rises.length).toBeGreaterThanOrEqual(3);

    // What the server saw: never more UploadParts at once than the engine allowed at that moment. "At that
    // moment" is loose by a little: a request admitted just before a cut is still on its way for a while,
    // and a rise is reported at the next progress tick.
    const allowed = (t: number) => {
      let value = MAX;
      let nearby = 0;
      for (const [at, c] of reported) {
        if (at <= t - 400) value = c;
        else if (at <= t + 100) nearby = Math.max(nearby, c);
      }
      return Math.max(value, nearby);
    };
    const parts = proxy.stats.log.filter((r) => r.operation === "UploadPart");
    let checked = 0;
    for (const r of parts) {
      if (r.startedAt < throttledAt) continue;
      checked++;
      const overlapping = parts.filter(
        (o) => o.startedAt <= r.startedAt && (o.endedAt ?? Infinity) > r.startedAt,
      ).length;
      expect(overlapping, `UploadParts in flight at ${Math.round(r.startedAt)} ms`).toBeLessThanOrEqual(
        allowed(r.startedAt),
      );
    }
    expect(checked).toBeGreaterThan(40);
    const downloaded = await downloadedSha256(client, bucket, "throttled");
    expect(downloaded.sha256).toBe(sha256);
  });
});

describe("no-progress timeout", () => {
  it("a stalled request is cut off after idleTimeoutMs and retried, not waited out", async () => {
    const path = join(scratch.dir, "stalls-30MiB");
    const sha256 = await randomFile(path, 30 * MiB);
    const STALL_MS = 30_000;
    const retries: Extract<TransferEvent, { type: "retry" }>[] = [];
    const started = performance.now();
    const result = await withFaults(
      [
        // Part 2 hangs before the server sees it; part 4 after the server stored it (the answer never comes).
        { fault: "stall", operations: ["UploadPart"], partNumbers: [2], limit: 1, stallMs: STALL_MS },
        {
          fault: "stall",
          operations: ["UploadPart"],
          partNumbers: [4],
          limit: 1,
          stallMs: STALL_MS,
          stallPhase: "response",
        },
      ],
      () =>
        upload({
          ...viaProxy(),
          source: path,
          bucket,
          key: "stalled",
          partSize: 5 * MiB,
          idleTimeoutMs: 3_000,
          onEvent: (e) => {
            if (e.type === "retry") retries.push(e);
          },
        }),
    );
    const elapsed = performance.now() - started;
    expect(proxy.stats.injected.stall).toBe(2);
    // The response stall was seen abandoned by the client. (The request stall holds its socket unread, as a
    // dead peer does, so the proxy only notices the close when its stall ends; the retry below shows it.)
    expect(proxy.stats.stallsCancelledByClient).toBe(1);
    const stalled = proxy.stats.log.filter((r) => r.fault === "stall");
    expect(stalled.every((r) => r.status === undefined)).toBe(true);
    expect(retries.map((r) => [r.partNumber, r.code]).sort()).toEqual([
      [2, "TimeoutError"],
      [4, "TimeoutError"],
    ]);
    expect(result.retries).toBe(2);
    expect(elapsed).toBeLessThan(STALL_MS);
    const downloaded = await downloadedSha256(client, bucket, "stalled");
    expect(downloaded.sha256).toBe(sha256);
  });
});
