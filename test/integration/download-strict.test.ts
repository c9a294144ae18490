// Downloads through the AWS-strict layer (test/support/strict-s3-proxy.ts), which returns on HeadObject the
// checksum an object was uploaded with, as AWS does: the result's "ok" then means the downloaded bytes give
// the object's own checksum (FULL_OBJECT CRCs combined from the ranges; COMPOSITE values part by part).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket } from "../support/local-s3.js";
import { randomFile, scratchDir, sha256OfFile } from "../support/objects.js";
import { startStrictS3Proxy, type StrictS3Proxy } from "../support/strict-s3-proxy.js";
import { strictCli } from "../support/strict-suite.js";

let proxy: StrictS3Proxy;
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let src: string;
let sha: string;
const SIZE = 3 * 8 * MiB + 4321;

beforeAll(async () => {
  proxy = await startStrictS3Proxy();
  bucket = await createTestBucket("strict-download");
  scratch = await scratchDir();
  src = join(scratch.dir, "src.bin");
  sha = await randomFile(src, SIZE);
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch?.cleanup();
  await proxy?.close();
});

function resultOf(stdout: string) {
  const last = JSON.parse(stdout.trim().split("\n").pop()!);
  return last.result ?? last;
}

describe("download through the AWS-strict layer", () => {
  it.each(["CRC64NVME", "CRC32", "CRC32C", "SHA1", "SHA256"])(
    "%s multipart object (8 MiB parts): byte-identical and verified by the object's own checksum",
    async (algorithm) => {
      const key = `obj-${algorithm}`;
      const up = await strictCli(proxy, [
        "cp",
        src,
        `s3://${bucket}/${key}`,
        "--part-size",
        "8MiB",
        "--checksum-algorithm",
        algorithm,
      ]);
      expect(up.code, up.stderr).toBe(0);
      const dest = join(scratch.dir, key);
      const down = await strictCli(proxy, ["cp", `s3://${bucket}/${key}`, dest]);
      expect(down.code, down.stderr).toBe(0);
      const result = resultOf(down.stdout);
      expect(await sha256OfFile(dest)).toBe(sha);
      expect(result.checksumAlgorithm).toBe(algorithm);
      expect(result.verified.checksum).toBe("ok");
      expect(result.verified.summary).toContain(`${algorithm} ok`);
    },
  );
});
