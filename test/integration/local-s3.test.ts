// Smoke tests of the local S3 server (Ceph RADOS Gateway from scripts/local-s3.sh) and of the
// test helpers, plus the server quirks the engine's tests rely on.
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  createTestBucket,
  emptyAndDeleteBucket,
  localS3Env,
  runLocalS3Script,
  setLocalS3MinPartSize,
  stopLocalS3,
  testClient,
} from "../support/local-s3.js";

const MiB = 1024 * 1024;

function md5(data: Buffer): Buffer {
  return createHash("md5").update(data).digest();
}

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, "-", part count. */
function multipartETag(parts: Buffer[]): string {
  return `"${md5(Buffer.concat(parts.map(md5))).toString("hex")}-${parts.length}"`;
}

function partData(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) buf[i] = (seed + i / 4096) & 0xff;
  return buf;
}

async function startUpload(
  client: S3Client,
  bucket: string,
  key: string,
  parts: Buffer[],
): Promise<{ uploadId: string; completed: CompletedPart[] }> {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error("CreateMultipartUpload returned no UploadId");
  const completed: CompletedPart[] = [];
  for (const [i, body] of parts.entries()) {
    const res = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: i + 1, Body: body }),
    );
    completed.push({ PartNumber: i + 1, ETag: res.ETag });
  }
  return { uploadId, completed };
}

function complete(client: S3Client, bucket: string, key: string, uploadId: string, parts: CompletedPart[]) {
  return client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

/** A TCP port that is free right now (the kernel's choice), for a second server instance. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

describe("local S3 server (default instance)", () => {
  const client = testClient();
  let bucket = "";

  beforeAll(async () => {
    bucket = await createTestBucket("local-s3-smoke");
  });

  afterAll(async () => {
    if (bucket) await emptyAndDeleteBucket(bucket);
    client.destroy();
  });

  it("global setup points the AWS environment at it", async () => {
    const env = localS3Env();
    expect(process.env.AWS_ENDPOINT_URL).toBe(env.endpoint);
    expect(process.env.AWS_ACCESS_KEY_ID).toBe(env.accessKeyId);
    expect(process.env.AWS_REGION).toBe("us-east-1");
    const out = await runLocalS3Script("status");
    expect(out).toContain(`running at ${env.endpoint}`);
    // start is idempotent
    expect(await runLocalS3Script("start")).toContain("already running");
  });

  it("creates buckets with unique lowercase names", async () => {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    expect(bucket).toMatch(/^local-s3-smoke-[a-z0-9-]+$/);
    expect(bucket.length).toBeLessThanOrEqual(63);
    const list = await client.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toContain(bucket);
    const weird = await createTestBucket("Weird_Prefix.With Spaces");
    expect(weird).toMatch(/^weird-prefix-with-spaces-[a-z0-9-]+$/);
    await emptyAndDeleteBucket(weird);
    // idempotent on a missing bucket
    await emptyAndDeleteBucket(weird);
  });

  it("puts and gets an object", async () => {
    const body = Buffer.from("hello from s3xfer\n");
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/hello.txt", Body: body }));
    expect(put.ETag).toBe(`"${md5(body).toString("hex")}"`);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/hello.txt" }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.ContentLength).toBe(body.length);
  });

  it("completes a multipart upload with 5 MiB parts (ETag ends in -2)", async () => {
    const parts = [partData(5 * MiB, 1), partData(5 * MiB, 2)];
    const { uploadId, completed } = await startUpload(client, bucket, "mp/two-parts", parts);
    const done = await complete(client, bucket, "mp/two-parts", uploadId, completed);
    const expected = multipartETag(parts);
    // Ceph 16 answers CompleteMultipartUpload with an EMPTY <ETag>: take it from HeadObject.
    expect(["", undefined, expected]).toContain(done.ETag);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "mp/two-parts" }));
    expect(head.ETag).toBe(expected);
    expect(head.ETag).toMatch(/-2"$/);
    expect(head.ContentLength).toBe(10 * MiB);
    const ranged = await client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: "mp/two-parts",
        Range: `bytes=${5 * MiB}-${5 * MiB + 4095}`,
      }),
    );
    expect(Buffer.from(await ranged.Body!.transformToByteArray())).toEqual(parts[1]!.subarray(0, 4096));
  });

  it("rejects completing with a subset of the uploaded parts (InvalidPart; AWS allows it)", async () => {
    const parts = [partData(5 * MiB, 3), partData(1024, 4)];
    const { uploadId, completed } = await startUpload(client, bucket, "mp/subset", parts);
    await expect(
      complete(client, bucket, "mp/subset", uploadId, completed.slice(0, 1)),
    ).rejects.toMatchObject({
      name: "InvalidPart",
      $metadata: { httpStatusCode: 400 },
    });
    // emptyAndDeleteBucket must abort it; leave it in progress on purpose.
  });

  it("does SSE-KMS with the testing backend's fixed keys", async () => {
    const kmsKeyId = localS3Env().kmsKeyId;
    const body = Buffer.from("secret test payload");
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "kms/object",
        Body: body,
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: kmsKeyId,
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "kms/object" }));
    expect(got.ServerSideEncryption).toBe("aws:kms");
    expect(got.SSEKMSKeyId).toBe(kmsKeyId);
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
  });
});

describe("second instance with its own --dir, --port and --conf", () => {
  const dir = path.join(os.tmpdir(), `s3xfer-local-s3-test-${process.pid}`);
  let port = 0;
  let client: S3Client | undefined;
  let bucket = "";

  beforeAll(async () => {
    port = await freePort();
    await runLocalS3Script("start", ["--memstore-size", String(1024 * MiB)], {
      dir,
      port,
      conf: ["rgw multipart min part size = 4096"],
    });
    client = testClient({ port });
    bucket = await createTestBucket("local-s3-second", client);
  });

  afterAll(async () => {
    try {
      if (client && bucket) await emptyAndDeleteBucket(bucket, client);
      client?.destroy();
    } finally {
      if (port) await stopLocalS3({ dir, port });
    }
  });

  it("runs beside the default instance", async () => {
    expect(await runLocalS3Script("status", [], { dir })).toContain(`running at http://127.0.0.1:${port}`);
    expect(await runLocalS3Script("env", [], { dir })).toContain(`AWS_ENDPOINT_URL=http://127.0.0.1:${port}`);
    const list = await client!.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toEqual([bucket]);
  });

  it("--conf lowers the minimum part size, and set-min-part-size changes it at runtime", async () => {
    const c = client!;
    const parts = [partData(4096, 5), partData(4096, 6), partData(10, 7)];

    // 4 KiB parts are enough with 'rgw multipart min part size = 4096' from --conf.
    const first = await startUpload(c, bucket, "small/conf", parts);
    await complete(c, bucket, "small/conf", first.uploadId, first.completed);
    const head = await c.send(new HeadObjectCommand({ Bucket: bucket, Key: "small/conf" }));
    expect(head.ETag).toBe(multipartETag(parts));

    // Raised back to S3's 5 MiB on the running gateway: the same parts are now too small. The
    // check happens only at Complete; UploadPart accepted them.
    const second = await startUpload(c, bucket, "small/runtime", parts);
    try {
      await setLocalS3MinPartSize(5 * MiB, { dir });
      await expect(
        complete(c, bucket, "small/runtime", second.uploadId, second.completed),
      ).rejects.toMatchObject({
        name: "EntityTooSmall",
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      await setLocalS3MinPartSize(4096, { dir });
    }
    // ...and lowered again, the very same upload completes, without a restart.
    await complete(c, bucket, "small/runtime", second.uploadId, second.completed);
    const head2 = await c.send(new HeadObjectCommand({ Bucket: bucket, Key: "small/runtime" }));
    expect(head2.ContentLength).toBe(4096 + 4096 + 10);
  });

  it("emptyAndDeleteBucket aborts in-progress uploads", async () => {
    const c = client!;
    const scratch = await createTestBucket("local-s3-abort", c);
    const { uploadId } = await startUpload(c, scratch, "pending", [partData(4096, 8)]);
    expect(uploadId).toBeTruthy();
    await c.send(new PutObjectCommand({ Bucket: scratch, Key: "obj", Body: "x" }));
    await emptyAndDeleteBucket(scratch, c);
    await expect(c.send(new HeadBucketCommand({ Bucket: scratch }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });
});
