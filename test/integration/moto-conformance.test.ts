// A second S3 implementation: s3xfer against Python's moto (5.2, server mode), started for this file.
// moto answers HEAD ?partNumber= (so a copy reproduces the source's part layout exactly, as on AWS) and
// returns the checksums it was given. If moto is missing, this file fails with how to get it.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { upload, TransferError } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import { emptyAndDeleteBucket } from "../support/local-s3.js";
import { downloadedSha256, inProgressUploads, randomFile, scratchDir } from "../support/objects.js";
import { runCli } from "../support/cli.js";
import { startMotoServer, type MotoServer } from "../support/moto-server.js";
import { checksumIn, expectSuccess, headWithChecksum, strictCli } from "../support/strict-suite.js";
import type { StrictS3Proxy } from "../support/strict-s3-proxy.js";

let moto: MotoServer;
let client: S3Client;
const bucket = "s3xfer-moto-conformance";
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let small: string;
let smallSha: string;
let multi: string;
let multiSha: string;
let big: string;

// expectSuccess reports the strict layer's refusals; moto has none.
const noProxy = { refusals: [] } as unknown as StrictS3Proxy;

beforeAll(async () => {
  moto = await startMotoServer();
  console.log(`moto ${moto.version} at ${moto.endpoint}`);
  client = moto.client();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  scratch = await scratchDir();
  small = join(scratch.dir, "small.bin");
  smallSha = await randomFile(small, 300_000);
  multi = join(scratch.dir, "multi.bin");
  multiSha = await randomFile(multi, 12 * MiB);
  big = join(scratch.dir, "big.bin");
  await randomFile(big, 30 * MiB);
});

afterAll(async () => {
  if (client) await emptyAndDeleteBucket(bucket, client);
  client?.destroy();
  await scratch?.cleanup();
  await moto?.stop();
});

/** The CLI against moto (its own endpoint; moto takes any credentials). */
function motoCli(args: string[]) {
  return strictCli({ url: moto.endpoint }, args);
}

function connection() {
  return { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
}

describe("what moto 5.2 does (facts the suite relies on)", () => {
  it("answers HEAD ?partNumber= with the part's length and the part count", async () => {
    // Written with the SDK, not s3xfer, so that this fact does not depend on s3xfer.
    const data = await readFile(multi);
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "facts/mp" }),
    );
    const parts = [];
    for (let n = 1; n <= 3; n++) {
      const body = data.subarray((n - 1) * 5 * MiB, n * 5 * MiB);
      const { ETag } = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: "facts/mp", UploadId, PartNumber: n, Body: body }),
      );
      parts.push({ PartNumber: n, ETag });
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "facts/mp",
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect((await downloadedSha256(client, bucket, "facts/mp")).sha256).toBe(multiSha);
    const part = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "facts/mp", PartNumber: 3 }));
    expect(part.PartsCount).toBe(3);
    expect(part.ContentLength).toBe(2 * MiB);
  });

  it("returns the checksum it was given, and refuses If-None-Match: * on an existing key (412)", async () => {
    const body = Buffer.from("moto facts");
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: "facts/put", Body: body, ChecksumAlgorithm: "SHA256" }),
    );
    const head = await headWithChecksum(client, bucket, "facts/put");
    expect(checksumIn(head, "SHA256")).toBeDefined();
    const again = await client
      .send(new PutObjectCommand({ Bucket: bucket, Key: "facts/put", Body: body, IfNoneMatch: "*" }))
      .catch((e: unknown) => e);
    expect(again).toMatchObject({ $metadata: { httpStatusCode: 412 } });
    // (GetObjectAttributes is not asked here: moto 5.2 answers it with an ISO-8601 Last-Modified header
    // that the SDK v3 refuses to parse, "Invalid RFC7231 date-time value".)
  });
});

describe("single-request transfers against moto", () => {
  it.each(["CRC64NVME", "SHA256"])("upload of a small file with %s", async (algorithm) => {
    const key = `single/${algorithm}`;
    const result = expectSuccess(
      await motoCli(["cp", small, `s3://${bucket}/${key}`, "--checksum-algorithm", algorithm]),
      noProxy,
    );
    expect(result.request).toBe("single");
    expect(result.verified.checksum).toBe("ok");
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(smallSha);
    expect(checksumIn(await headWithChecksum(client, bucket, key), algorithm)).toBe(result.checksum);
  });
});

describe("uploads ls/clean and abort against moto", () => {
  async function interrupted(key: string) {
    const controller = new AbortController();
    let parts = 0;
    const error = await upload({
      ...connection(),
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

  it("ls lists an interrupted upload, clean aborts it, abort drops another", async () => {
    await interrupted("orphans/a");
    const ls = await runCli([
      "uploads",
      "ls",
      `s3://${bucket}/orphans/`,
      "--json",
      "--endpoint-url",
      moto.endpoint,
    ]);
    expect(ls.code, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as { key: string }[]).map((u) => u.key)).toEqual(["orphans/a"]);
    const clean = await runCli([
      "uploads",
      "clean",
      `s3://${bucket}/orphans/`,
      "--older-than",
      "0s",
      "--endpoint-url",
      moto.endpoint,
    ]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/aborted orphans\/a/);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    await interrupted("orphans/b");
    const aborted = await runCli(["abort", `s3://${bucket}/orphans/b`, "--endpoint-url", moto.endpoint]);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });
});
