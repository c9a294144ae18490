// Issue 14: `cp --if-none-match '*'` onto an existing key exits 1 with "the key already exists
// (If-None-Match)" and leaves the object untouched; a multipart upload refused at Complete is aborted.
//
// What this Ceph does (checked 2026-12-04): it honours If-None-Match: * on PutObject (412 PreconditionFailed)
// but NOT on CompleteMultipartUpload: the Complete succeeds and overwrites the key. AWS refuses it with 412
// (documented for CompleteMultipartUpload). So the multipart refusal is tested through the fault proxy
// answering 412 PreconditionFailed to CompleteMultipartUpload, as AWS would.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { MiB } from "../../src/planner/limits.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { createTestBucket, emptyAndDeleteBucket, testClient } from "../support/local-s3.js";
import { downloadedSha256, inProgressUploads, randomFile, scratchDir } from "../support/objects.js";
import { runCli } from "../support/cli.js";
import { createHash } from "node:crypto";

const client = testClient();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let proxy: FaultProxy;
let small: string;
let big: string;
const EXISTING = Buffer.from("the object that must survive\n");
const existingSha = createHash("sha256").update(EXISTING).digest("hex");

beforeAll(async () => {
  bucket = await createTestBucket("ifnonematch");
  scratch = await scratchDir();
  small = join(scratch.dir, "small.bin");
  big = join(scratch.dir, "big.bin");
  await randomFile(small, 64 * 1024);
  await randomFile(big, 12 * MiB);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "existing", Body: EXISTING }));
  proxy = await startFaultProxy({ seed: 14 });
});

afterAll(async () => {
  await proxy?.close();
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

describe("cp --if-none-match", () => {
  it("only '*' is accepted", async () => {
    const run = await runCli(["cp", small, `s3://${bucket}/new`, "--if-none-match", '"abc"']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--if-none-match takes only "\*"/);
  });

  it("PutObject onto an existing key: exit 1, the key already exists, object untouched (Ceph honours it)", async () => {
    const run = await runCli([
      "cp",
      small,
      `s3://${bucket}/existing`,
      "--if-none-match",
      "*",
      "--no-progress",
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/the key already exists \(If-None-Match: \*\)/);
    expect((await downloadedSha256(client, bucket, "existing")).sha256).toBe(existingSha);
  });

  it("multipart refused at Complete (412, as AWS answers): exit 1, upload aborted, object untouched", async () => {
    proxy.setRules([{ fault: "precondition-failed", operations: ["CompleteMultipartUpload"] }]);
    try {
      const run = await runCli(
        [
          "cp",
          big,
          `s3://${bucket}/existing`,
          "--if-none-match",
          "*",
          "--part-size",
          "5MiB",
          "--no-progress",
        ],
        { AWS_ENDPOINT_URL: proxy.url },
      );
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/the key already exists \(If-None-Match: \*\)/);
      expect(run.stderr).not.toMatch(/to resume, run/);
    } finally {
      proxy.setRules([]);
    }
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    expect((await downloadedSha256(client, bucket, "existing")).sha256).toBe(existingSha);
  });

  it("a new key is written", async () => {
    const run = await runCli([
      "cp",
      big,
      `s3://${bucket}/fresh`,
      "--if-none-match",
      "*",
      "--part-size",
      "5MiB",
      "--no-progress",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });
});
