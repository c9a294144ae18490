// Issue 14: `cp --dryrun` prints the plan and the requests it would send, and creates nothing: no object, no
// multipart upload, not even a journal (the journal directory is checked, in a state dir of its own).
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket, testClient } from "../support/local-s3.js";
import { inProgressUploads, randomFile, scratchDir } from "../support/objects.js";
import { runCli } from "../support/cli.js";

const client = testClient();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let big: string;
let stateHome: string;

beforeAll(async () => {
  bucket = await createTestBucket("dryrun");
  scratch = await scratchDir();
  big = join(scratch.dir, "big.bin");
  stateHome = join(scratch.dir, "state");
  await randomFile(big, 20 * MiB);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "source", Body: Buffer.alloc(12 * MiB, 7) }));
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

async function keys(): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key!);
}

async function journals(): Promise<string[]> {
  return readdir(join(stateHome, "s3xfer")).catch(() => []);
}

describe("cp --dryrun creates nothing", () => {
  it("a multipart upload: plan and requests printed, exit 0", async () => {
    const run = await runCli(["cp", big, `s3://${bucket}/up`, "--dryrun", "--part-size", "5MiB"], {
      XDG_STATE_HOME: stateHome,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/multipart, 4 parts of 5 MiB/);
    expect(run.stdout).toMatch(
      /CreateMultipartUpload s3:\/\/.*\/up\n {2}4 × UploadPart of 5 MiB\n {2}CompleteMultipartUpload/,
    );
    expect(await keys()).toEqual(["source"]);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    expect(await journals()).toEqual([]);
  });

  it("a single PutObject, and a multipart copy (the source is only HEADed)", async () => {
    const single = await runCli(
      ["cp", big, `s3://${bucket}/one`, "--dryrun", "--multipart-threshold", "64MiB"],
      { XDG_STATE_HOME: stateHome },
    );
    expect(single.code, single.stderr).toBe(0);
    expect(single.stdout).toMatch(/one request\nwould send:\n {2}PutObject s3:\/\//);
    const copied = await runCli(
      ["cp", `s3://${bucket}/source`, `s3://${bucket}/copy`, "--dryrun", "--part-size", "5MiB", "--json"],
      { XDG_STATE_HOME: stateHome },
    );
    expect(copied.code, copied.stderr).toBe(0);
    const line = JSON.parse(copied.stdout.trim()) as { type: string; requests: string[] };
    expect(line.type).toBe("dryrun");
    expect(line.requests[1]).toMatch(/^3 × UploadPartCopy of 5 MiB \(last part 2 MiB\)$/);
    expect(await keys()).toEqual(["source"]);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    expect(await journals()).toEqual([]);
  });

  it("a missing copy source fails as the copy would, still creating nothing", async () => {
    const run = await runCli(["cp", `s3://${bucket}/missing`, `s3://${bucket}/copy`, "--dryrun"], {
      XDG_STATE_HOME: stateHome,
    });
    expect(run.code).not.toBe(0);
    expect(await keys()).toEqual(["source"]);
  });
});
