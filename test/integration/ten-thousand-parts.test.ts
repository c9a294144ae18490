import { join } from "node:path";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copy, upload } from "../../src/index.js";
import {
  createTestBucket,
  ensureLocalS3,
  testConnection,
  stopLocalS3,
  testClient,
} from "../support/local-s3.js";
import {
  downloadedSha256,
  etagPartCount,
  inProgressUploads,
  randomFile,
  scratchDir,
} from "../support/objects.js";

// 10,000 parts need S3's real limit lowered on the server, which would change the shared test server for
// every other test: this file boots its own instance with `rgw multipart min part size` at 4 KiB.
const PORT = 7490;
const DIR = join(tmpdir(), "s3xfer-local-s3-10k");
const PART = 4096;
const limits = { minPartSize: PART };

const connection = testConnection({ port: PORT });
let client: ReturnType<typeof testClient>;
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;

beforeAll(async () => {
  await ensureLocalS3({ dir: DIR, port: PORT, conf: [`rgw multipart min part size = ${PART}`] });
  client = testClient({ port: PORT });
  bucket = await createTestBucket("tenk", client);
  scratch = await scratchDir();
});

afterAll(async () => {
  // The whole instance goes, data and all: emptying 20,000 parts first would only cost time.
  await scratch.cleanup();
  await stopLocalS3({ dir: DIR, port: PORT });
});

describe("10,000 parts (S3's maximum)", () => {
  it("an upload of 10,000 parts completes and is byte-identical; a copy of it reproduces all 10,000", async () => {
    const size = 10_000 * PART - 123;
    const path = join(scratch.dir, "tenk");
    const sha = await randomFile(path, size);
    const uploaded = await upload({
      ...connection,
      source: path,
      bucket,
      key: "tenk",
      partSize: PART,
      strictPartSize: true,
      concurrency: 32,
      limits,
    });
    expect(uploaded.parts).toBe(10_000);
    const got = await downloadedSha256(client, bucket, "tenk");
    expect(got.sha256).toBe(sha);
    expect(etagPartCount(got.etag)).toBe(10_000);

    const copied = await copy({
      ...connection,
      source: { bucket, key: "tenk" },
      bucket,
      key: "tenk-copy",
      forceMultipart: true,
      concurrency: 32,
      limits,
    });
    expect(copied.parts).toBe(10_000);
    expect(copied.verified.etag).toBe("ok");
    expect((await downloadedSha256(client, bucket, "tenk-copy")).sha256).toBe(sha);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });

  it("10,001 parts are refused before anything is sent", async () => {
    const path = join(scratch.dir, "too-many");
    await randomFile(path, 10_000 * PART + 1);
    await expect(
      upload({
        ...connection,
        source: path,
        bucket,
        key: "too-many",
        partSize: PART,
        strictPartSize: true,
        limits,
      }),
    ).rejects.toThrow(/10,001 parts/);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });
});
