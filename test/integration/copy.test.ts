import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
} from "@aws-sdk/client-s3";
import { copy, upload, TransferError, UsageError } from "../../src/index.js";
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
let src: string;
let dst: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
const sha: Record<string, string> = {};

beforeAll(async () => {
  src = await createTestBucket("copy-src");
  dst = await createTestBucket("copy-dst");
  scratch = await scratchDir();
  // Sources: tiny, single-part 200 MiB (one PutObject), multipart 200 MiB with 8 MiB parts, metadata and tags.
  for (const [key, size] of [
    ["zero", 0],
    ["one", 1],
    ["five", 5 * MiB],
  ] as const) {
    const path = join(scratch.dir, key);
    sha[key] = await randomFile(path, size);
    await upload({ ...connection, source: path, bucket: src, key });
  }
  const single = join(scratch.dir, "single");
  sha.single = await randomFile(single, 200 * MiB);
  await upload({
    ...connection,
    source: single,
    bucket: src,
    key: "single-200",
    multipartThreshold: 5 * 1024 * MiB,
  });
  const multi = join(scratch.dir, "multi");
  sha.multi = await randomFile(multi, 200 * MiB + 5);
  await upload({
    ...connection,
    source: multi,
    bucket: src,
    key: "multi-200",
    partSize: 8 * MiB,
    contentType: "application/x-test",
    cacheControl: "max-age=60",
    contentDisposition: "attachment",
    metadata: { owner: "backup-job", run: "7" },
    tagging: "team=storage&tier=cold",
  });
});

afterAll(async () => {
  await emptyAndDeleteBucket(src);
  await emptyAndDeleteBucket(dst);
  await scratch.cleanup();
});

async function tags(bucket: string, key: string): Promise<Record<string, string>> {
  const response = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((response.TagSet ?? []).map((t) => [t.Key, t.Value]));
}

describe("server-side copy", () => {
  it.each([
    ["zero", 0],
    ["one", 1],
    ["five", 5 * MiB],
  ])("small object %s: one CopyObject, same bytes, same ETag", async (key, size) => {
    const result = await copy({ ...connection, source: { bucket: src, key }, bucket: dst, key });
    expect(result.request).toBe("single");
    expect(result.size).toBe(size);
    const got = await downloadedSha256(client, dst, key);
    expect(got.sha256).toBe(sha[key]);
    expect(result.verified.etag).toBe("ok");
  });

  it("a 200 MiB single-part source: one CopyObject (≤ 5 GiB), ETag equal", async () => {
    const result = await copy({
      ...connection,
      source: { bucket: src, key: "single-200" },
      bucket: dst,
      key: "single-200",
    });
    expect(result.request).toBe("single");
    expect((await downloadedSha256(client, dst, "single-200")).sha256).toBe(sha.single);
    expect(result.verified.etag).toBe("ok");
  });

  it("a 200 MiB multipart source by default: one CopyObject (≤ 5 GiB), same ETag on this server, metadata and tags carried", async () => {
    const result = await copy({
      ...connection,
      source: { bucket: src, key: "multi-200" },
      bucket: dst,
      key: "multi-200-single",
    });
    expect(result.request).toBe("single");
    const head = await client.send(new HeadObjectCommand({ Bucket: dst, Key: "multi-200-single" }));
    expect(head.Metadata).toEqual({ owner: "backup-job", run: "7" });
    expect(head.ContentType).toBe("application/x-test");
    expect(await tags(dst, "multi-200-single")).toEqual({ team: "storage", tier: "cold" });
    expect((await downloadedSha256(client, dst, "multi-200-single")).sha256).toBe(sha.multi);
  });

  it("a 200 MiB multipart source, forced multipart: its own layout reproduced, same ETag, metadata and tags carried", async () => {
    const result = await copy({
      ...connection,
      source: { bucket: src, key: "multi-200" },
      bucket: dst,
      key: "multi-200",
      forceMultipart: true,
    });
    expect(result.request).toBe("multipart");
    expect(result.parts).toBe(26);
    const sourceHead = await client.send(new HeadObjectCommand({ Bucket: src, Key: "multi-200" }));
    const destHead = await client.send(new HeadObjectCommand({ Bucket: dst, Key: "multi-200" }));
    expect(destHead.ETag).toBe(sourceHead.ETag);
    expect(etagPartCount(destHead.ETag!)).toBe(26);
    expect(result.verified.etag).toBe("ok");
    expect(result.verified.summary).toMatch(/ETag ok/);
    expect(destHead.ContentType).toBe("application/x-test");
    expect(destHead.CacheControl).toBe("max-age=60");
    expect(destHead.ContentDisposition).toBe("attachment");
    expect(destHead.Metadata).toEqual({ owner: "backup-job", run: "7" });
    expect(await tags(dst, "multi-200")).toEqual({ team: "storage", tier: "cold" });
    expect((await downloadedSha256(client, dst, "multi-200")).sha256).toBe(sha.multi);
  });

  it("a forced part size gives another layout (another ETag) but the same bytes", async () => {
    const result = await copy({
      ...connection,
      source: { bucket: src, key: "multi-200" },
      bucket: dst,
      key: "forced",
      partSize: 32 * MiB,
    });
    expect(result.parts).toBe(7);
    expect(result.verified.etag).toBe("not checked");
    const got = await downloadedSha256(client, dst, "forced");
    expect(got.sha256).toBe(sha.multi);
    expect(etagPartCount(got.etag)).toBe(7);
  });

  it("metadata and tags replaced with REPLACE", async () => {
    await copy({
      ...connection,
      source: { bucket: src, key: "multi-200" },
      bucket: dst,
      key: "replaced",
      metadataDirective: "REPLACE",
      metadata: { fresh: "yes" },
      contentType: "text/plain",
      taggingDirective: "REPLACE",
      tagging: "new=tag",
    });
    const head = await client.send(new HeadObjectCommand({ Bucket: dst, Key: "replaced" }));
    expect(head.Metadata).toEqual({ fresh: "yes" });
    expect(head.ContentType).toBe("text/plain");
    expect(head.CacheControl).toBeUndefined();
    expect(await tags(dst, "replaced")).toEqual({ new: "tag" });
  });

  it("--copy-props none carries nothing over", async () => {
    await copy({
      ...connection,
      source: { bucket: src, key: "five" },
      bucket: dst,
      key: "bare",
      copyProps: "none",
    });
    await copy({
      ...connection,
      source: { bucket: src, key: "multi-200" },
      bucket: dst,
      key: "bare-multi",
      copyProps: "none",
    });
    const head = await client.send(new HeadObjectCommand({ Bucket: dst, Key: "bare-multi" }));
    expect(head.Metadata ?? {}).toEqual({});
    expect(await tags(dst, "bare-multi")).toEqual({});
  });

  it("an SSE-KMS destination, copied from a plain source", async () => {
    await copy({
      ...connection,
      source: { bucket: src, key: "multi-200" },
      bucket: dst,
      key: "kms",
      sse: { mode: "aws:kms", kmsKeyId: env.kmsKeyId },
    });
    const head = await client.send(new HeadObjectCommand({ Bucket: dst, Key: "kms" }));
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect((await downloadedSha256(client, dst, "kms")).sha256).toBe(sha.multi);
  });

  it("an SSE-C source, read with its key (CopyObject is refused by this Ceph: falls back to parts)", async () => {
    const key = Buffer.alloc(32, 3);
    const path = join(scratch.dir, "ssec-src");
    const digest = await randomFile(path, 12 * MiB);
    await upload({ ...connection, source: path, bucket: src, key: "ssec", sseCustomerKey: key });
    const result = await copy({
      ...connection,
      source: { bucket: src, key: "ssec" },
      bucket: dst,
      key: "from-ssec",
      sourceSseCustomerKey: key,
    });
    expect(result.notes.join()).toMatch(/refused CopyObject|copied in parts/);
    expect((await downloadedSha256(client, dst, "from-ssec")).sha256).toBe(digest);
    // without the key the source cannot be read: a clear error, nothing written
    const error = await copy({
      ...connection,
      source: { bucket: src, key: "ssec" },
      bucket: dst,
      key: "nokey",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/--sse-c-copy-source-key/);
  });

  it("a pinned version is copied even after the key was overwritten", async () => {
    const bucket = await createTestBucket("copy-versioned");
    try {
      await client.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
      );
      const path = join(scratch.dir, "v1");
      const v1 = await randomFile(path, 20 * MiB);
      const first = await upload({ ...connection, source: path, bucket, key: "doc", partSize: 5 * MiB });
      expect(first.versionId).toBeDefined();
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: "doc", Body: "second version" }));
      const result = await copy({
        ...connection,
        source: { bucket, key: "doc", versionId: first.versionId! },
        bucket: dst,
        key: "v1",
      });
      expect(result.size).toBe(20 * MiB);
      expect((await downloadedSha256(client, dst, "v1")).sha256).toBe(v1);
    } finally {
      await emptyAndDeleteBucket(bucket);
    }
  });

  it("source overwritten mid-copy: fails with 'source changed', no upload left", async () => {
    const path = join(scratch.dir, "changing");
    await randomFile(path, 60 * MiB);
    await upload({ ...connection, source: path, bucket: src, key: "changing", partSize: 5 * MiB });
    let overwritten = false;
    const error = await copy({
      ...connection,
      source: { bucket: src, key: "changing" },
      bucket: dst,
      key: "changing",
      concurrency: 2,
      forceMultipart: true,
      onEvent: (event) => {
        if (event.type === "part" && !overwritten) {
          overwritten = true;
          void client.send(new PutObjectCommand({ Bucket: src, Key: "changing", Body: "new content" }));
        }
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("SOURCE_CHANGED");
    expect((error as Error).message).toMatch(/source changed during copy/);
    expect(await inProgressUploads(client, dst)).toEqual([]);
    await expect(client.send(new HeadObjectCommand({ Bucket: dst, Key: "changing" }))).rejects.toThrow();
  });

  it("copying onto itself with nothing changed is refused before anything is sent", async () => {
    await expect(
      copy({ ...connection, source: { bucket: src, key: "five" }, bucket: src, key: "five" }),
    ).rejects.toThrow(/onto itself without changing anything/);
  });

  it("a missing source: clear error", async () => {
    await expect(
      copy({ ...connection, source: { bucket: src, key: "nope" }, bucket: dst, key: "nope" }),
    ).rejects.toThrow(/source s3:\/\/.*\/nope does not exist/);
  });

  it("an inferred layout that does not match the source still copies the right bytes, and says so", async () => {
    // 3 parts of 6, 7 and 1 MiB: no uniform whole-MiB size reproduces that layout.
    const key = "odd-layout";
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: src, Key: key }));
    const sizes = [6 * MiB, 7 * MiB, 1 * MiB];
    const parts = [];
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256");
    for (let i = 0; i < sizes.length; i++) {
      const body = Buffer.alloc(sizes[i]!, i + 1);
      hash.update(body);
      const r = await client.send(
        new UploadPartCommand({ Bucket: src, Key: key, UploadId, PartNumber: i + 1, Body: body }),
      );
      parts.push({ PartNumber: i + 1, ETag: r.ETag });
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: src,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const result = await copy({
      ...connection,
      source: { bucket: src, key },
      bucket: dst,
      key,
      forceMultipart: true,
    });
    expect(result.verified.etag).toBe("differs");
    expect(result.notes.join()).toMatch(/ETag differs/);
    expect((await downloadedSha256(client, dst, key)).sha256).toBe(hash.digest("hex"));
  });
});
