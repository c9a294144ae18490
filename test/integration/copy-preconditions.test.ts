// Issue 14: --copy-source-if-match / -if-none-match / -if-modified-since / -if-unmodified-since as the
// caller's preconditions on a copy, beside the automatic ETag pin: checked on the source's HEAD before anything
// is written (a failed one: exit 1 "precondition failed: …", nothing created), and sent on CopyObject and
// UploadPartCopy when they hold.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { upload } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import {
  createTestBucket,
  emptyAndDeleteBucket,
  localS3Env,
  testClient,
  testConnection,
} from "../support/local-s3.js";
import { downloadedSha256, inProgressUploads, randomFile, scratchDir } from "../support/objects.js";
import { runCli } from "../support/cli.js";
import { startRecordingProxy } from "../support/recording-proxy.js";

const client = testClient();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let sourceSha: string;
let etag: string;
let source: string;

beforeAll(async () => {
  bucket = await createTestBucket("copyif");
  scratch = await scratchDir();
  const file = join(scratch.dir, "src.bin");
  sourceSha = await randomFile(file, 12 * MiB);
  await upload({ ...testConnection(), source: file, bucket, key: "src", partSize: 5 * MiB });
  etag = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "src" }))).ETag!.replace(/"/g, "");
  source = `s3://${bucket}/src`;
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

async function keys(): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

describe("copy-source preconditions", () => {
  const refusals: [string, string[], RegExp][] = [
    ["if-match another ETag", ["--copy-source-if-match", "0123456789abcdef0123456789abcdef"], /not 0123/],
    ["if-none-match its ETag", ["--copy-source-if-none-match", "<etag>"], /copy-source-if-none-match/],
    [
      "if-unmodified-since long ago",
      ["--copy-source-if-unmodified-since", "2000-01-01T00:00:00Z"],
      /after 2000/,
    ],
    [
      "if-modified-since in the future",
      ["--copy-source-if-modified-since", "2100-01-01T00:00:00Z"],
      /not after 2100/,
    ],
  ];
  for (const [name, flags, why] of refusals) {
    it(`${name}: exit 1, precondition failed, nothing created (single and multipart)`, async () => {
      const given = flags.map((f) => (f === "<etag>" ? etag : f));
      for (const extra of [[], ["--part-size", "5MiB"]]) {
        const run = await runCli(["cp", source, `s3://${bucket}/dst`, ...given, ...extra, "--no-progress"]);
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toMatch(/precondition failed: /);
        expect(run.stderr).toMatch(why);
        expect(await keys()).toEqual(["src"]);
        expect(await inProgressUploads(client, bucket)).toEqual([]);
      }
    });
  }

  it("preconditions that hold: the copy is made, single CopyObject and multipart UploadPartCopy", async () => {
    const holds = [
      "--copy-source-if-match",
      `"${etag}"`,
      "--copy-source-if-none-match",
      "0123456789abcdef0123456789abcdef",
      "--copy-source-if-modified-since",
      "2000-01-01T00:00:00Z",
      "--copy-source-if-unmodified-since",
      "2100-01-01T00:00:00Z",
    ];
    // Through a recording proxy: the headers must be on the copy requests (a server may ignore them).
    const proxy = await startRecordingProxy(new URL(localS3Env().endpoint));
    try {
      const env = { AWS_ENDPOINT_URL: proxy.endpoint };
      const single = await runCli(["cp", source, `s3://${bucket}/one`, ...holds, "--no-progress"], env);
      expect(single.code, single.stderr).toBe(0);
      const parts = await runCli(
        ["cp", source, `s3://${bucket}/parts`, ...holds, "--part-size", "5MiB", "--no-progress"],
        env,
      );
      expect(parts.code, parts.stderr).toBe(0);
      const copies = proxy.requests.filter((r) => r.method === "PUT" && r.headers["x-amz-copy-source"]);
      // One CopyObject, then 3 UploadPartCopy.
      expect(copies.length).toBe(4);
      for (const r of copies) {
        expect(r.headers["x-amz-copy-source-if-match"]).toBe(`"${etag}"`);
        expect(r.headers["x-amz-copy-source-if-none-match"]).toBe("0123456789abcdef0123456789abcdef");
        expect(new Date(String(r.headers["x-amz-copy-source-if-modified-since"])).toISOString()).toBe(
          "2000-01-01T00:00:00.000Z",
        );
        expect(r.headers["x-amz-copy-source-if-unmodified-since"]).toBeDefined();
      }
    } finally {
      await proxy.close();
    }
    expect((await downloadedSha256(client, bucket, "one")).sha256).toBe(sourceSha);
    expect((await downloadedSha256(client, bucket, "parts")).sha256).toBe(sourceSha);
  });

  it("a date that does not parse, or the flag on an upload, is a usage error (exit 2)", async () => {
    const bad = await runCli([
      "cp",
      source,
      `s3://${bucket}/x`,
      "--copy-source-if-modified-since",
      "yesterday",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not a date/);
    const onUpload = await runCli([
      "cp",
      join(scratch.dir, "src.bin"),
      `s3://${bucket}/x`,
      "--copy-source-if-match",
      etag,
    ]);
    expect(onUpload.code).toBe(2);
    expect(onUpload.stderr).toMatch(/applies only to a copy/);
  });
});
