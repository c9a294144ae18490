// Parts a worker streams from the file instead of holding in memory (a thread whose parts in flight would
// hold more than IN_MEMORY_BYTES_PER_THREAD): the bytes, the part checksums and the Content-MD5 ETag must
// come out exactly as from the in-memory path.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { upload } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket, testClient, testConnection } from "../support/local-s3.js";
import { downloadedSha256, randomFile, scratchDir } from "../support/objects.js";

const client = testClient();
const connection = testConnection();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;

beforeAll(async () => {
  bucket = await createTestBucket("streamed");
  scratch = await scratchDir();
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

it("parts streamed from the file (one thread, 64 parts in flight) arrive byte for byte", async () => {
  const size = 50 * MiB + 12_345;
  const path = join(scratch.dir, "streamed");
  const sha256 = await randomFile(path, size);
  // 64 parts on one thread: 64 × 5 MiB is past the 128 MiB a thread holds, so every part is streamed.
  const result = await upload({
    ...connection,
    source: path,
    bucket,
    key: "streamed",
    partSize: 5 * MiB,
    concurrency: 64,
    threads: 1,
    checksumAlgorithm: "CRC64NVME",
    contentMd5: true,
  });
  expect(result.parts).toBe(11);
  expect(result.verified.etag).toBe("ok");
  const downloaded = await downloadedSha256(client, bucket, "streamed");
  expect(downloaded.size).toBe(size);
  expect(downloaded.sha256).toBe(sha256);
});
