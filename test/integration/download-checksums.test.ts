// This Ceph keeps no checksums and ignores HEAD ?partNumber=: on its own it cannot show that a download
// verifies a FULL_OBJECT or COMPOSITE checksum. A small proxy in front of it answers HEAD the way S3 does
// for an object uploaded with checksums (x-amz-checksum-*, x-amz-checksum-type, and per-part HEAD with
// x-amz-mp-parts-count), with values the test computes from the source file. GETs go through untouched.
import { readFile, readdir, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compositeChecksum,
  createHasher,
  toS3Base64,
  type ChecksumAlgorithm,
} from "../../src/checksum/index.js";
import { download, upload, TransferError } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket, localS3Env, testConnection } from "../support/local-s3.js";
import { randomFile, scratchDir, sha256OfFile } from "../support/objects.js";

const connection = testConnection();
const PART = 5 * MiB;
const SIZE = 4 * PART + 1234;
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let data: Buffer;
let sha: string;

/** What HEAD should add for the key, and whether it answers partNumber. */
let answer: { headers: Record<string, string>; partSizes?: number[] } = { headers: {} };

function digest(algorithm: ChecksumAlgorithm, bytes: Uint8Array): Buffer {
  const hasher = createHasher(algorithm);
  hasher.update(bytes);
  return hasher.digest();
}

const upstream = new URL(localS3Env().endpoint);
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://proxy");
  const forward = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (response) => {
      const headers = { ...response.headers };
      if (req.method === "HEAD" && url.pathname.endsWith("/obj") && response.statusCode === 200) {
        Object.assign(headers, answer.headers);
        const part = Number(url.searchParams.get("partNumber") ?? 0);
        if (part && answer.partSizes) {
          headers["content-length"] = String(answer.partSizes[part - 1]);
          headers["x-amz-mp-parts-count"] = String(answer.partSizes.length);
        }
      }
      res.writeHead(response.statusCode ?? 502, headers);
      response.pipe(res);
    },
  );
  forward.on("error", () => res.destroy());
  req.pipe(forward);
});
let endpoint: string;

beforeAll(async () => {
  bucket = await createTestBucket("download-checksums");
  scratch = await scratchDir();
  const src = join(scratch.dir, "src.bin");
  sha = await randomFile(src, SIZE);
  data = await readFile(src);
  await upload({ ...connection, source: src, bucket, key: "obj", partSize: PART });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

const partSizes = [PART, PART, PART, PART, 1234];
const parts = () => partSizes.map((size, i) => data.subarray(i * PART, i * PART + size));

describe("verification where HEAD returns the object's checksum", () => {
  it.each(["CRC32", "CRC32C", "CRC64NVME"] as const)(
    "FULL_OBJECT %s: combined from the range CRCs, 'ok'",
    async (algorithm) => {
      answer = {
        headers: {
          [`x-amz-checksum-${algorithm.toLowerCase()}`]: toS3Base64(digest(algorithm, data)),
          "x-amz-checksum-type": "FULL_OBJECT",
        },
      };
      const dest = join(scratch.dir, `full-${algorithm}`);
      const result = await download({
        ...connection,
        endpoint,
        bucket,
        key: "obj",
        destination: dest,
        partSize: 6 * MiB,
      });
      expect(result.verified.checksum).toBe("ok");
      expect(result.verified.summary).toBe(`size ${SIZE} ok, ${algorithm} ok`);
      expect(result.checksum).toBe(answer.headers[`x-amz-checksum-${algorithm.toLowerCase()}`]);
      expect(await sha256OfFile(dest)).toBe(sha);
    },
  );

  it.each(["SHA1", "SHA256", "CRC32C"] as const)(
    "COMPOSITE %s: ranges follow the parts HEAD ?partNumber= reports, each part checked",
    async (algorithm) => {
      const value = compositeChecksum(
        algorithm,
        parts().map((p) => digest(algorithm, p)),
      );
      answer = {
        headers: { [`x-amz-checksum-${algorithm.toLowerCase()}`]: value, "x-amz-checksum-type": "COMPOSITE" },
        partSizes,
      };
      const dest = join(scratch.dir, `composite-${algorithm}`);
      const result = await download({ ...connection, endpoint, bucket, key: "obj", destination: dest });
      expect(result).toMatchObject({ parts: 5, checksumType: "COMPOSITE", checksum: value });
      expect(result.verified.summary).toBe(`size ${SIZE} ok, ${algorithm} ok`);
      expect(await sha256OfFile(dest)).toBe(sha);
    },
  );

  it("bytes that do not give the object's checksum: VERIFICATION_FAILED, no file, no partial file", async () => {
    answer = {
      headers: {
        "x-amz-checksum-crc64nvme": toS3Base64(digest("CRC64NVME", Buffer.from("other bytes"))),
        "x-amz-checksum-type": "FULL_OBJECT",
      },
    };
    const dest = join(scratch.dir, "mismatch");
    const error = await download({ ...connection, endpoint, bucket, key: "obj", destination: dest }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("VERIFICATION_FAILED");
    await expect(stat(dest)).rejects.toThrow();
    expect((await readdir(scratch.dir)).filter((f) => f.endsWith(".s3xfer-partial"))).toEqual([]);
  });
});
