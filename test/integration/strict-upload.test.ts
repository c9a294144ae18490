// Uploads through the AWS-strict layer (test/support/strict-s3-proxy.ts) with every checksum algorithm:
// the layer refuses what AWS refuses and returns the checksums AWS returns, so the result's "ok" means a
// server checked it. Plus abort and `uploads ls/clean` through it.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { S3Client } from "@aws-sdk/client-s3";
import { upload, TransferError } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket, testClient, testConnection } from "../support/local-s3.js";
import { downloadedSha256, inProgressUploads, randomFile, scratchDir } from "../support/objects.js";
import { runCli } from "../support/cli.js";
import { startStrictS3Proxy, type StrictS3Proxy } from "../support/strict-s3-proxy.js";
import {
  ALGORITHMS_AND_NONE,
  checksumIn,
  expectSuccess,
  headWithChecksum,
  strictCli,
  strictCliFromStdin,
} from "../support/strict-suite.js";

const direct = testClient();
let proxy: StrictS3Proxy;
let strict: S3Client;
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let small: string;
let smallSha: string;
let multi: string;
let multiSha: string;
let big: string;

beforeAll(async () => {
  proxy = await startStrictS3Proxy();
  strict = testClient({ endpoint: proxy.url });
  bucket = await createTestBucket("strict-upload");
  scratch = await scratchDir();
  small = join(scratch.dir, "small.bin");
  smallSha = await randomFile(small, 300_000);
  multi = join(scratch.dir, "multi.bin");
  multiSha = await randomFile(multi, 12 * MiB);
  big = join(scratch.dir, "big.bin");
  await randomFile(big, 30 * MiB);
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch?.cleanup();
  strict?.destroy();
  await proxy?.close();
});

/** The object on the server is the file's bytes, and its checksum (asked for) is the one s3xfer reported. */
async function expectStored(
  key: string,
  sha: string,
  result: { checksum: string | null; checksumType: string | null },
  algorithm: string,
) {
  expect((await downloadedSha256(direct, bucket, key)).sha256).toBe(sha);
  const head = await headWithChecksum(strict, bucket, key);
  if (algorithm === "NONE") {
    expect(result.checksum).toBeNull();
    return;
  }
  expect(checksumIn(head, algorithm)).toBe(result.checksum);
  expect(head.ChecksumType).toBe(result.checksumType);
}

describe.each(ALGORITHMS_AND_NONE)(
  "upload with --checksum-algorithm %s through the strict layer",
  (algorithm) => {
    it("a small file: one PutObject, checked by the server", async () => {
      const mark = proxy.refusals.length;
      const key = `single/${algorithm}`;
      const run = await strictCli(proxy, [
        "cp",
        small,
        `s3://${bucket}/${key}`,
        "--checksum-algorithm",
        algorithm,
      ]);
      const result = expectSuccess(run, proxy, mark);
      expect(result.request).toBe("single");
      expect(result.verified.checksum).toBe(algorithm === "NONE" ? "not requested" : "ok");
      await expectStored(key, smallSha, result, algorithm);
    });

    it("a multipart file (5 MiB parts), checked by the server part by part and whole", async () => {
      const mark = proxy.refusals.length;
      const key = `multi/${algorithm}`;
      const run = await strictCli(proxy, [
        "cp",
        multi,
        `s3://${bucket}/${key}`,
        "--checksum-algorithm",
        algorithm,
        "--part-size",
        "5MiB",
        "--force-multipart",
      ]);
      const result = expectSuccess(run, proxy, mark);
      expect(result.request).toBe("multipart");
      expect(result.parts).toBe(3);
      expect(result.verified.checksum).toBe(algorithm === "NONE" ? "not requested" : "ok");
      if (algorithm !== "NONE") {
        expect(result.checksumType).toBe(
          ["SHA1", "SHA256"].includes(algorithm) ? "COMPOSITE" : "FULL_OBJECT",
        );
      }
      await expectStored(key, multiSha, result, algorithm);
    });

    it("stdin, multipart", async () => {
      const mark = proxy.refusals.length;
      const key = `stdin/${algorithm}`;
      const run = await strictCliFromStdin(proxy, multi, [
        `s3://${bucket}/${key}`,
        "--checksum-algorithm",
        algorithm,
        "--part-size",
        "5MiB",
      ]);
      const result = expectSuccess(run, proxy, mark);
      expect(result.request).toBe("multipart");
      expect(result.verified.checksum).toBe(algorithm === "NONE" ? "not requested" : "ok");
      await expectStored(key, multiSha, result, algorithm);
    });

    it("the library, multipart", async () => {
      const mark = proxy.refusals.length;
      const key = `lib/${algorithm}`;
      const result = await upload({
        ...testConnection(),
        endpoint: proxy.url,
        source: multi,
        bucket,
        key,
        partSize: 5 * MiB,
        checksumAlgorithm: algorithm,
      });
      expect(proxy.refusals.slice(mark)).toEqual([]);
      expect(result.verified.checksum).toBe(algorithm === "NONE" ? "not requested" : "ok");
      await expectStored(key, multiSha, result, algorithm);
    });
  },
);

describe("abort and uploads ls/clean through the strict layer", () => {
  async function interrupted(key: string) {
    const controller = new AbortController();
    let parts = 0;
    const error = await upload({
      ...testConnection(),
      endpoint: proxy.url,
      source: big,
      bucket,
      key,
      partSize: 5 * MiB,
      concurrency: 2,
      signal: controller.signal,
      keepForResume: true,
      onEvent: (e) => {
        if (e.type === "part" && ++parts === 2) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("INTERRUPTED");
  }

  it("uploads ls lists the interrupted upload; clean --older-than 0s aborts it; abort drops another", async () => {
    const mark = proxy.refusals.length;
    await interrupted("orphans/a");
    const ls = await runCli([
      "uploads",
      "ls",
      `s3://${bucket}/orphans/`,
      "--json",
      "--endpoint-url",
      proxy.url,
    ]);
    expect(ls.code, ls.stderr).toBe(0);
    const listed = JSON.parse(ls.stdout) as { key: string; parts: number }[];
    expect(listed.map((u) => u.key)).toEqual(["orphans/a"]);
    expect(listed[0]!.parts).toBeGreaterThanOrEqual(1);
    const clean = await runCli([
      "uploads",
      "clean",
      `s3://${bucket}/orphans/`,
      "--older-than",
      "0s",
      "--endpoint-url",
      proxy.url,
    ]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/aborted orphans\/a/);
    expect(await inProgressUploads(direct, bucket)).toEqual([]);

    await interrupted("orphans/b");
    const aborted = await runCli(["abort", `s3://${bucket}/orphans/b`, "--endpoint-url", proxy.url]);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(await inProgressUploads(direct, bucket)).toEqual([]);
    expect(proxy.refusals.slice(mark)).toEqual([]);
  });
});
