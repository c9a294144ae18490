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
import {
  downloadedSha256,
  inProgressUploads,
  randomFile,
  scratchDir,
  sha256OfFile,
} from "../support/objects.js";
import { runCli, startCli } from "../support/cli.js";
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
let bigSha: string;

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
  bigSha = await randomFile(big, 30 * MiB);
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

describe("multipart transfers against moto", () => {
  // Multipart transfers here use no checksum algorithm: moto 5.2 returns no part checksum on UploadPart or in
  // Complete, and after Complete HEAD gives a value that is not AWS's (a 4-byte value for CRC64NVME, a SHA256
  // without the "-N" of a composite and not the object's). Checksums are the strict layer's business.
  it.each(["NONE"])("multipart upload with %s", async (algorithm) => {
    const key = `multi/${algorithm}`;
    const run = await motoCli([
      "cp",
      multi,
      `s3://${bucket}/${key}`,
      "--checksum-algorithm",
      algorithm,
      "--part-size",
      "5MiB",
      "--force-multipart",
    ]);
    const result = expectSuccess(run, noProxy);
    expect(result.request).toBe("multipart");
    expect(result.parts).toBe(3);
    expect(result.verified.checksum).toBe(algorithm === "NONE" ? "not requested" : "ok");
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(multiSha);
  });

  it("CopyObject with --checksum-algorithm CRC32: the copy carries CRC32, verified", async () => {
    const key = "copy/single-crc32";
    const result = expectSuccess(
      await motoCli([
        "cp",
        `s3://${bucket}/single/SHA256`,
        `s3://${bucket}/${key}`,
        "--checksum-algorithm",
        "CRC32",
      ]),
      noProxy,
    );
    expect(result.request).toBe("single");
    expect(checksumIn(await headWithChecksum(client, bucket, key), "CRC32")).toBe(result.checksum);
    expect(result.verified.checksum).toBe("ok");
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(smallSha);
  });

  it("multipart copy (--force-multipart) reproduces the source's layout exactly (HEAD partNumber), ETag equal", async () => {
    const key = "copy/multipart";
    const result = expectSuccess(
      await motoCli([
        "cp",
        `s3://${bucket}/facts/mp`,
        `s3://${bucket}/${key}`,
        "--force-multipart",
        "--checksum-algorithm",
        "NONE",
      ]),
      noProxy,
    );
    expect(result.request).toBe("multipart");
    expect(result.parts).toBe(3);
    expect(result.notes.join("\n")).toMatch(/reproduces the source's 3-part layout/);
    expect(result.verified.etag).toBe("ok");
    const [source, copy] = await Promise.all([
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: "facts/mp" })),
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
    ]);
    expect(copy.ETag).toBe(source.ETag);
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(multiSha);
  });

  it("an interrupted upload and an interrupted multipart copy resume", async () => {
    for (const [kind, key, source] of [
      ["upload", "resume/upload", big],
      ["copy", "resume/copy", `s3://${bucket}/facts/mp`],
    ] as const) {
      const { child, done } = startCli([
        "cp",
        source,
        `s3://${bucket}/${key}`,
        "--endpoint-url",
        moto.endpoint,
        "--json",
        "--no-progress",
        "--part-size",
        "5MiB",
        "--concurrency",
        "1",
        "--force-multipart",
        "--checksum-algorithm",
        "NONE",
      ]);
      child.stdout!.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes('"type":"part"')) child.kill("SIGKILL");
      });
      const killed = await done;
      expect(killed.signal, `${kind} finished before the kill`).toBe("SIGKILL");
      const result = expectSuccess(await motoCli(["resume", `s3://${bucket}/${key}`]), noProxy);
      expect(result.partsResumed, kind).toBeGreaterThanOrEqual(1);
      const expected = kind === "upload" ? bigSha : multiSha;
      expect((await downloadedSha256(client, bucket, key)).sha256, kind).toBe(expected);
    }
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });
});

describe("downloads against moto", () => {
  it("a single object with its CRC64NVME: verified by the checksum, byte-identical", async () => {
    const out = join(scratch.dir, "down-single");
    const result = expectSuccess(await motoCli(["cp", `s3://${bucket}/single/CRC64NVME`, out]), noProxy);
    expect(result).toMatchObject({ operation: "download", size: 300_000 });
    expect(result.verified.size).toBe("ok");
    expect(result.verified.checksum).toBe("ok");
    expect(await sha256OfFile(out)).toBe(smallSha);
  });

  it("a 3-part object: its layout from HEAD partNumber, ranges by part, ETag (MD5 of 3 parts) ok", async () => {
    const out = join(scratch.dir, "down-mp");
    const result = expectSuccess(
      await motoCli([
        "cp",
        `s3://${bucket}/facts/mp`,
        out,
        "--part-size",
        "5MiB",
        "--multipart-threshold",
        "5MiB",
      ]),
      noProxy,
    );
    expect(result).toMatchObject({ operation: "download", size: 12 * MiB });
    expect(result.verified.etag).toBe("ok");
    expect(result.verified.summary).toContain("ETag (MD5 of 3 parts) ok");
    expect(await sha256OfFile(out)).toBe(multiSha);
  });

  it("an interrupted download resumes without fetching its finished ranges again", async () => {
    const out = join(scratch.dir, "down-resume");
    const { child, done } = startCli([
      "cp",
      `s3://${bucket}/resume/upload`,
      out,
      "--endpoint-url",
      moto.endpoint,
      "--json",
      "--no-progress",
      "--part-size",
      "5MiB",
      "--concurrency",
      "1",
    ]);
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes('"type":"part"')) child.kill("SIGKILL");
    });
    const killed = await done;
    expect(killed.signal, "the download finished before the kill").toBe("SIGKILL");
    const result = expectSuccess(await motoCli(["resume", out]), noProxy);
    expect(result.operation).toBe("download");
    expect(result.partsResumed).toBeGreaterThanOrEqual(1);
    expect(result.verified.size).toBe("ok");
    expect(await sha256OfFile(out)).toBe(bigSha);
  });
});
