import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { upload, TransferError, type TransferEvent } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import {
  testConnection,
  createTestBucket,
  emptyAndDeleteBucket,
  localS3Env,
  testClient,
} from "../support/local-s3.js";
import {
  downloadedSha256,
  etagPartCount,
  inProgressUploads,
  randomFile,
  scratchDir,
} from "../support/objects.js";

const client = testClient();
const env = localS3Env();
const connection = testConnection();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;

beforeAll(async () => {
  bucket = await createTestBucket("upload");
  scratch = await scratchDir();
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

async function roundTrip(size: number, options: Record<string, unknown> = {}) {
  const path = join(scratch.dir, `f-${size}-${Math.random().toString(36).slice(2)}`);
  const sha256 = await randomFile(path, size);
  const key = `sizes/${size}-${Math.random().toString(36).slice(2)}`;
  const result = await upload({ ...connection, source: path, bucket, key, ...options });
  const downloaded = await downloadedSha256(client, bucket, key);
  expect(downloaded.size).toBe(size);
  expect(downloaded.sha256).toBe(sha256);
  expect(result.size).toBe(size);
  expect(result.verified.size).toBe("ok");
  // This Ceph ignores x-amz-checksum-* headers and returns none: the result must say so, not claim a check.
  expect(result.verified.checksum).toBe("not verifiable by server");
  return { result, downloaded, key };
}

describe("upload of a file, by size (bytes compared after download)", () => {
  it("0 bytes: one empty PutObject", async () => {
    const { result } = await roundTrip(0);
    expect(result.request).toBe("single");
    expect(result.etag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
  });

  it.each([1, 5 * MiB - 1, 5 * MiB, 5 * MiB + 1])(
    "%i bytes below the threshold: one PutObject",
    async (size) => {
      const { result, downloaded } = await roundTrip(size, { contentMd5: true });
      expect(result.request).toBe("single");
      expect(etagPartCount(downloaded.etag)).toBeNull();
      expect(result.verified.etag).toBe("ok");
    },
  );

  it.each([
    [5 * MiB - 1, 1],
    [5 * MiB, 1],
    [5 * MiB + 1, 2],
    [15 * MiB, 3],
  ])("%i bytes forced multipart with 5 MiB parts → %i parts", async (size, parts) => {
    const { result, downloaded } = await roundTrip(size, {
      forceMultipart: true,
      partSize: 5 * MiB,
      contentMd5: true,
    });
    expect(result.request).toBe("multipart");
    expect(result.parts).toBe(parts);
    expect(etagPartCount(downloaded.etag)).toBe(parts);
    // Ceph does validate Content-MD5, and the multipart ETag equals our MD5-of-MD5s.
    expect(result.verified.etag).toBe("ok");
  });

  it("an exact multiple of the part size", async () => {
    const { result, downloaded } = await roundTrip(48 * MiB, { partSize: 16 * MiB });
    expect(result.parts).toBe(3);
    expect(etagPartCount(downloaded.etag)).toBe(3);
  });

  it("~100 MiB with every checksum algorithm's part values combined locally", async () => {
    for (const checksumAlgorithm of ["CRC32", "CRC32C", "CRC64NVME", "SHA256"] as const) {
      const { result } = await roundTrip(100 * MiB + 12345, {
        checksumAlgorithm,
        partSize: 8 * MiB,
        concurrency: 6,
      });
      expect(result.parts).toBe(13);
      expect(result.checksumAlgorithm).toBe(checksumAlgorithm);
      expect(result.checksumType).toBe(checksumAlgorithm === "SHA256" ? "COMPOSITE" : "FULL_OBJECT");
      expect(result.checksum).toMatch(checksumAlgorithm === "SHA256" ? /-13$/ : /^[A-Za-z0-9+/]+=*$/);
    }
  });
});

describe("upload events and progress", () => {
  it("reports bytes while parts are in flight, then a part event per part", async () => {
    // One part at a time, parts large enough to take a few hundred ms: progress must move inside them.
    const path = join(scratch.dir, "events");
    await randomFile(path, 96 * MiB);
    const events: TransferEvent[] = [];
    const result = await upload({
      ...connection,
      source: path,
      bucket,
      key: "events",
      partSize: 32 * MiB,
      concurrency: 1,
      progressIntervalMs: 10,
      onEvent: (e) => events.push(e),
    });
    expect(events[0]!.type).toBe("start");
    expect(events.filter((e) => e.type === "part")).toHaveLength(3);
    const progress = events.filter((e) => e.type === "progress");
    // bytes that are not a multiple of the part size: progress inside a part
    const inside = progress.filter((e) => e.type === "progress" && e.bytesDone % (32 * MiB) !== 0);
    expect(inside.length).toBeGreaterThan(0);
    const last = progress[progress.length - 1]!;
    expect(last.type === "progress" && last.bytesDone).toBe(96 * MiB);
    expect(events[events.length - 1]!.type).toBe("complete");
    expect(result.parts).toBe(3);
  });
});

describe("streams", () => {
  it("a stream of unknown length is cut into parts; bytes identical", async () => {
    const hash = createHash("sha256");
    const chunks: Buffer[] = [];
    for (let i = 0; i < 37; i++) {
      const chunk = Buffer.alloc(1024 * 1024 + 17, i);
      chunks.push(chunk);
      hash.update(chunk);
    }
    const result = await upload({
      ...connection,
      source: Readable.from(chunks),
      bucket,
      key: "stream",
      partSize: 5 * MiB,
    });
    const downloaded = await downloadedSha256(client, bucket, "stream");
    expect(downloaded.sha256).toBe(hash.digest("hex"));
    expect(result.size).toBe(37 * (1024 * 1024 + 17));
    expect(result.parts).toBe(8);
  });

  it("a short stream becomes one PutObject; an empty one an empty object", async () => {
    const small = await upload({
      ...connection,
      source: Readable.from([Buffer.from("hello")]),
      bucket,
      key: "small-stream",
    });
    expect(small.request).toBe("single");
    const empty = await upload({ ...connection, source: Readable.from([]), bucket, key: "empty-stream" });
    expect(empty.size).toBe(0);
    expect((await downloadedSha256(client, bucket, "small-stream")).size).toBe(5);
  });
});

describe("encryption round trips", () => {
  it("SSE-C: multipart upload, and the object reads back only with the key", async () => {
    const key = Buffer.alloc(32, 7);
    const path = join(scratch.dir, "ssec");
    const sha = await randomFile(path, 12 * MiB);
    const result = await upload({
      ...connection,
      source: path,
      bucket,
      key: "ssec",
      partSize: 5 * MiB,
      forceMultipart: true,
      sseCustomerKey: key,
    });
    expect(result.parts).toBe(3);
    const sse = { SSECustomerAlgorithm: "AES256", SSECustomerKey: key as unknown as string };
    expect((await downloadedSha256(client, bucket, "ssec", sse)).sha256).toBe(sha);
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: "ssec" }))).rejects.toThrow();
  });

  it("SSE-KMS with the testing KMS backend", async () => {
    const path = join(scratch.dir, "kms");
    const sha = await randomFile(path, 11 * MiB);
    await upload({
      ...connection,
      source: path,
      bucket,
      key: "kms",
      partSize: 5 * MiB,
      sse: { mode: "aws:kms", kmsKeyId: env.kmsKeyId },
    });
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "kms" }));
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect((await downloadedSha256(client, bucket, "kms")).sha256).toBe(sha);
  });
});

describe("failures leave nothing behind", () => {
  it("the upload aborted under us mid-transfer: typed error, no object, no in-progress upload", async () => {
    const path = join(scratch.dir, "aborted");
    await randomFile(path, 60 * MiB);
    const { AbortMultipartUploadCommand } = await import("@aws-sdk/client-s3");
    let aborted = false;
    const attempt = upload({
      ...connection,
      source: path,
      bucket,
      key: "aborted-under-us",
      partSize: 5 * MiB,
      concurrency: 2,
      onEvent: (event) => {
        if (event.type === "part" && !aborted) {
          aborted = true;
          const start = (globalThis as { __uploadId?: string }).__uploadId!;
          void client.send(
            new AbortMultipartUploadCommand({ Bucket: bucket, Key: "aborted-under-us", UploadId: start }),
          );
        }
        if (event.type === "start" && event.uploadId)
          (globalThis as { __uploadId?: string }).__uploadId = event.uploadId;
      },
    });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).uploadId).toBeDefined();
    expect((error as TransferError).message).toMatch(/part \d+/);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "aborted-under-us" }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it("an AbortSignal cancels cleanly and aborts the multipart upload", async () => {
    const path = join(scratch.dir, "signal");
    await randomFile(path, 60 * MiB);
    const controller = new AbortController();
    const error = await upload({
      ...connection,
      source: path,
      bucket,
      key: "cancelled",
      partSize: 5 * MiB,
      concurrency: 2,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "part") controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("ABORTED");
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });

  it("a bucket that does not exist: clear error, nothing created", async () => {
    const path = join(scratch.dir, "nobucket");
    await writeFile(path, "x");
    await expect(
      upload({ ...connection, source: path, bucket: "no-such-bucket-s3xfer", key: "k" }),
    ).rejects.toThrow(/bucket "no-such-bucket-s3xfer" does not exist/);
  });
});
