// kill -9, then `s3xfer resume`, through the AWS-strict layer: the Complete of a resumed upload must carry
// the checksum of every part, those sent before the crash included, or AWS refuses it. Few kills per
// algorithm (the long random loops run against Ceph in resume.test.ts): one right after the first part is
// reported, one at a seeded moment later on.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { S3Client } from "@aws-sdk/client-s3";
import { upload } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket, testClient, testConnection } from "../support/local-s3.js";
import { downloadedSha256, inProgressUploads, randomFile, scratchDir } from "../support/objects.js";
import { seededRandom, startCli, type CliRun } from "../support/cli.js";
import { startStrictS3Proxy, type StrictS3Proxy } from "../support/strict-s3-proxy.js";
import {
  checksumIn,
  expectSuccess,
  headWithChecksum,
  strictCli,
  type AlgorithmOrNone,
} from "../support/strict-suite.js";

const direct = testClient();
let proxy: StrictS3Proxy;
let strict: S3Client;
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let file: string;
let fileSha: string;
const SIZE = 20 * MiB;
const seed = Number(process.env.S3XFER_KILL_SEED ?? 20261204);

beforeAll(async () => {
  proxy = await startStrictS3Proxy();
  strict = testClient({ endpoint: proxy.url });
  bucket = await createTestBucket("strict-resume");
  scratch = await scratchDir();
  file = join(scratch.dir, "file.bin");
  fileSha = await randomFile(file, SIZE);
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch?.cleanup();
  strict?.destroy();
  await proxy?.close();
});

/**
 * Runs `s3xfer cp` and kills it with SIGKILL once it has reported `afterParts` finished parts, `delayMs`
 * later: a moment defined by the transfer's progress, not by the clock, so it lands mid-transfer.
 */
async function cpKilled(args: string[], afterParts: number, delayMs: number): Promise<CliRun> {
  const { child, done } = startCli([
    "cp",
    ...args,
    "--endpoint-url",
    proxy.url,
    "--json",
    "--no-progress",
    "--part-size",
    "5MiB",
    "--concurrency",
    "1",
  ]);
  let parts = 0;
  let timer: NodeJS.Timeout | undefined;
  child.stdout!.on("data", (chunk: Buffer) => {
    parts += chunk.toString().split('"type":"part"').length - 1;
    if (parts >= afterParts && !timer) timer = setTimeout(() => child.kill("SIGKILL"), delayMs);
  });
  const run = await done;
  clearTimeout(timer);
  return run;
}

async function killAndResume(
  kind: "upload" | "copy",
  key: string,
  source: string,
  algorithm: AlgorithmOrNone,
  random: () => number,
  kill: number,
) {
  const mark = proxy.refusals.length;
  // First kill: right after the first part; second: after a seeded part count and delay.
  const afterParts = kill === 0 ? 1 : 1 + Math.floor(random() * 2);
  const delayMs = kill === 0 ? 0 : Math.floor(random() * 300);
  const killed = await cpKilled(
    [source, `s3://${bucket}/${key}`, "--checksum-algorithm", algorithm],
    afterParts,
    delayMs,
  );
  const moment = `${kind} ${algorithm} kill ${kill} (after ${afterParts} part(s) + ${delayMs} ms)`;
  expect(killed.signal, `${moment}: the transfer finished before the kill`).toBe("SIGKILL");
  const resumed = await strictCli(proxy, ["resume", `s3://${bucket}/${key}`]);
  const result = expectSuccess(resumed, proxy, mark);
  expect(result.partsResumed, moment).toBeGreaterThanOrEqual(1);
  expect((await downloadedSha256(direct, bucket, key)).sha256, moment).toBe(fileSha);
  if (algorithm !== "NONE") {
    expect(result.verified.checksum, moment).toBe("ok");
    expect(checksumIn(await headWithChecksum(strict, bucket, key), algorithm), moment).toBe(result.checksum);
  }
  expect(proxy.refusals.slice(mark), moment).toEqual([]);
}

const RESUME_ALGORITHMS: AlgorithmOrNone[] = ["CRC64NVME", "CRC32", "CRC32C", "SHA1", "SHA256", "NONE"];

describe.each(RESUME_ALGORITHMS)(
  "kill -9 and resume through the strict layer, --checksum-algorithm %s",
  (algorithm) => {
    it("upload: 2 kills, each resumed to the file's bytes, nothing left behind", async () => {
      const random = seededRandom(seed);
      for (let kill = 0; kill < 2; kill++) {
        await killAndResume("upload", `upload/${algorithm}/${kill}`, file, algorithm, random, kill);
      }
      expect(await inProgressUploads(direct, bucket)).toEqual([]);
    });
  },
);

describe("kill -9 and resume of a multipart copy through the strict layer", () => {
  it("server-side copy (default CRC64NVME, --force-multipart): 2 kills, each resumed", async () => {
    await upload({
      ...testConnection(),
      endpoint: proxy.url,
      source: file,
      bucket,
      key: "copy-source",
      partSize: 5 * MiB,
    });
    const random = seededRandom(seed + 1);
    for (let kill = 0; kill < 2; kill++) {
      const mark = proxy.refusals.length;
      const key = `copy/${kill}`;
      const afterParts = kill === 0 ? 1 : 1 + Math.floor(random() * 2);
      const delayMs = kill === 0 ? 0 : Math.floor(random() * 300);
      const moment = `copy kill ${kill} (after ${afterParts} part(s) + ${delayMs} ms)`;
      const killed = await cpKilled(
        [`s3://${bucket}/copy-source`, `s3://${bucket}/${key}`, "--force-multipart"],
        afterParts,
        delayMs,
      );
      expect(killed.signal, `${moment}: the copy finished before the kill`).toBe("SIGKILL");
      const result = expectSuccess(await strictCli(proxy, ["resume", `s3://${bucket}/${key}`]), proxy, mark);
      expect(result.partsResumed, moment).toBeGreaterThanOrEqual(1);
      expect(result.verified.checksum, moment).toBe("ok");
      expect((await downloadedSha256(direct, bucket, key)).sha256, moment).toBe(fileSha);
      expect(proxy.refusals.slice(mark), moment).toEqual([]);
    }
    expect(await inProgressUploads(direct, bucket)).toEqual([]);
  });
});
