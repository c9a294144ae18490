// Every bad input the CLI can be given, run through the built CLI as a user would run it: one line on stderr
// that names the problem and the fix, no stack trace, exit code 2 (usage) or 1 (failed), and nothing
// created on the server — no object, no version, no multipart upload left in progress.
// The groups refused before any request is sent run concurrently (each case is a node process start).
import { spawn } from "node:child_process";
import { appendFileSync, closeSync, openSync, truncateSync, writeSync } from "node:fs";
import { appendFile, chmod, open, truncate, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeleteObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { TransferError, upload } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { createTestBucket, emptyAndDeleteBucket, localS3Env, testClient } from "../support/local-s3.js";
import { randomFile, scratchDir } from "../support/objects.js";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const CLI = join(REPO, "dist", "cli", "main.js");
const client = testClient();
const env = localS3Env();

let dst: string;
let src: string;
let dir: string;
let cleanupScratch: () => Promise<void>;
let small: string;
let srcState: string;
let deleteMarker: string;
const table: { case: string; exit: number | null; message: string }[] = [];

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; uid?: number; onStdout?: (text: string) => void } = {},
): Promise<CliRun> {
  const started = performance.now();
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env }))
    if (v !== undefined) childEnv[k] = v;
  const child = spawn(process.execPath, [CLI, ...args], {
    env: childEnv,
    stdio: ["pipe", "pipe", "pipe"],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** The message as it goes into the closing note's table: test-specific names replaced by placeholders. */
function normalize(text: string): string {
  return text
    .replaceAll(dir, "<dir>")
    .replaceAll(dst, "<dst>")
    .replaceAll(src, "<src>")
    .replace(/upload id [^ ,)]+/g, "upload id <id>")
    .replace(/versionId=[^ ),]+/g, "versionId=<id>")
    .replace(/modified [^ ]+ → [^ )]+/g, "modified <t1> → <t2>")
    .replace(/s3xfer-nobucket-[a-z0-9]+/g, "<missing-bucket>");
}

/**
 * The contract for every case: the exit code, stdout empty, exactly one line on stderr that starts as an
 * error, matches every pattern given (the problem and the fix), and carries no stack trace.
 */
function expectOneLineError(name: string, run: CliRun, exit: 1 | 2, ...patterns: RegExp[]): void {
  table.push({ case: name, exit: run.code, message: normalize(run.stderr.trim()) });
  expect(run.stderr, "no stack trace").not.toMatch(/^\s+at /m);
  expect(run.stderr.trimEnd().split("\n"), "one line on stderr").toHaveLength(1);
  expect(run.stderr).toMatch(/^s3xfer: error: \S/);
  for (const pattern of patterns) expect(run.stderr).toMatch(pattern);
  expect(run.stdout).toBe("");
  expect(run.code).toBe(exit);
}

/** Versions (objects and delete markers) and in-progress uploads of a bucket, as one comparable string. */
async function bucketState(bucket: string): Promise<string> {
  const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return JSON.stringify({
    versions: (versions.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`).sort(),
    markers: (versions.DeleteMarkers ?? []).map((v) => `${v.Key}@${v.VersionId}`).sort(),
    uploads: (uploads.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`),
  });
}

async function expectNothingCreated(): Promise<void> {
  expect(await bucketState(dst)).toBe(JSON.stringify({ versions: [], markers: [], uploads: [] }));
  expect(await bucketState(src)).toBe(srcState);
}

async function bucketExists(bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

beforeAll(async () => {
  dst = await createTestBucket("bad-input-dst");
  src = await createTestBucket("bad-input-src");
  const scratch = await scratchDir();
  dir = scratch.dir;
  cleanupScratch = scratch.cleanup;
  // Traversable by the unprivileged user that runs the permission case.
  await chmod(dir, 0o755);
  small = join(dir, "small.bin");
  await randomFile(small, 1000);
  // A versioned source bucket with an object and a deleted one (whose current version is a delete marker).
  await client.send(
    new PutBucketVersioningCommand({ Bucket: src, VersioningConfiguration: { Status: "Enabled" } }),
  );
  await client.send(new PutObjectCommand({ Bucket: src, Key: "present", Body: "here" }));
  await client.send(new PutObjectCommand({ Bucket: src, Key: "deleted", Body: "gone" }));
  const deleted = await client.send(new DeleteObjectCommand({ Bucket: src, Key: "deleted" }));
  deleteMarker = deleted.VersionId!;
  expect(deleted.DeleteMarker).toBe(true);
  srcState = await bucketState(src);
});

afterAll(async () => {
  if (table.length > 0) {
    const rows = table.map((r) => `| ${r.case} | ${r.exit} | ${r.message.replaceAll("|", "\\|")} |`);
    console.log(["\n| case | exit code | message |", "|---|---|---|", ...rows].join("\n"));
  }
  await emptyAndDeleteBucket(dst);
  await emptyAndDeleteBucket(src);
  await cleanupScratch();
});

describe("local source", () => {
  it("a file that does not exist", async () => {
    const run = await runCli(["cp", join(dir, "missing.bin"), `s3://${dst}/k`]);
    expectOneLineError("missing file", run, 2, /missing\.bin does not exist/, /check the path/);
    await expectNothingCreated();
  });

  it("a file that cannot be read", async () => {
    const path = join(dir, "unreadable.bin");
    await writeFile(path, "secret");
    await chmod(path, 0o000);
    // root reads anything: run the CLI as an unprivileged user then (nobody), as a real user would be.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, env: { HOME: dir } } : {};
    const run = await runCli(["cp", path, `s3://${dst}/k`], asUser);
    expectOneLineError(
      "unreadable file",
      run,
      2,
      /unreadable\.bin cannot be read \(permission denied\)/,
      /check its permissions/,
    );
    await expectNothingCreated();
  });

  it("a directory", async () => {
    const run = await runCli(["cp", dir, `s3://${dst}/k`]);
    expectOneLineError("a directory as source", run, 2, /is a directory/, /name a file/);
    await expectNothingCreated();
  });
});

describe.concurrent("S3 URLs", () => {
  it.each([
    ["no bucket", "s3://", /has no bucket name/],
    ["no key", "s3://BUCKET", /has no object key/],
    ["bad scheme", "http://BUCKET/k", /must be an S3 URL/],
    ["malformed scheme", "s3:/BUCKET/k", /must be an S3 URL/],
    ["invalid bucket name", "s3://no!such/k", /"no!such" is not a valid bucket name/],
  ])("destination with %s", async (name, url, problem) => {
    const run = await runCli(["cp", small, url.replace("BUCKET", dst)]);
    expectOneLineError(
      `destination URL: ${name}`,
      run,
      2,
      problem,
      /write it as s3:\/\/|must be an S3 URL: s3:\/\/bucket\/key|3–255 letters/,
    );
    await expectNothingCreated();
  });

  it.each([
    ["no bucket", "s3:///k", /has no bucket name/],
    ["no key", "s3://SRC", /has no object key/],
  ])("copy source with %s", async (name, url, problem) => {
    const run = await runCli(["cp", url.replace("SRC", src), `s3://${dst}/k`]);
    expectOneLineError(`source URL: ${name}`, run, 2, problem, /write it as s3:\/\//);
    await expectNothingCreated();
  });

  it("a destination with a version", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/k?versionId=abc`]);
    expectOneLineError("destination with ?versionId=", run, 2, /cannot name a version/);
    await expectNothingCreated();
  });
});

describe.concurrent("object attributes S3 would refuse", () => {
  const tags11 = Array.from({ length: 11 }, (_, i) => `k${i}=v${i}`).join("&");
  it.each([
    [
      "metadata value not ASCII",
      ["--metadata", "note=héllo"],
      /metadata "note" contains "é" \(U\+00E9\)/,
      /encode the value/,
    ],
    [
      "metadata value above U+00FF",
      ["--metadata", "note=日本"],
      /metadata "note" contains "日"/,
      /encode the value/,
    ],
    [
      "metadata value with a control character",
      ["--metadata", "note=a\u0001b"],
      /control character U\+0001/,
      /remove it/,
    ],
    [
      "metadata key not ASCII",
      ["--metadata", "nöte=x"],
      /metadata key "nöte" contains "ö"/,
      /use only ASCII letters/,
    ],
    [
      "metadata over 2 KB",
      ["--metadata", `a=${"x".repeat(2100)}`],
      /the metadata is 2101 bytes/,
      /at most 2048 bytes/,
    ],
    ["11 tags", ["--tagging", tags11], /11 tags given: S3 allows at most 10/, /drop 1/],
    [
      "a tag key over 128 characters",
      ["--tagging", `${"k".repeat(129)}=v`],
      /is 129 characters: S3 allows at most 128/,
      /shorten it/,
    ],
    [
      "a tag value over 256 characters",
      ["--tagging", `k=${"v".repeat(257)}`],
      /is 257 characters: S3 allows at most 256/,
      /shorten it/,
    ],
    [
      "an unknown storage class",
      ["--storage-class", "COLDEST"],
      /unknown storage class "COLDEST"/,
      /use one of .*STANDARD_IA/,
    ],
    ["an unknown canned ACL", ["--acl", "public"], /unknown canned ACL "public"/, /use one of .*public-read/],
    [
      "a newline in --content-type",
      ["--content-type", "text/plain\nX-Evil: 1"],
      /content-type contains the control character U\+000A/,
      /remove it/,
    ],
    [
      "a control character in --cache-control",
      ["--cache-control", "no-cache\u0007"],
      /cache-control contains the control character U\+0007/,
      /remove it/,
    ],
  ])("%s", async (name, flags, problem, fix) => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, ...flags]);
    expectOneLineError(name, run, 2, problem, fix);
    await expectNothingCreated();
  });

  it.each([
    ["metadata value not ASCII", ["--metadata", "note=héllo"], /metadata "note" contains "é"/],
    ["11 tags", ["--tagging", tags11], /11 tags given/],
    ["an unknown storage class", ["--storage-class", "COLDEST"], /unknown storage class "COLDEST"/],
  ])("%s, refused before CreateMultipartUpload", async (name, flags, problem) => {
    // The SDK used to throw ERR_INVALID_CHAR only once part 1 was being sent, after Create.
    const path = join(dir, `multipart-${name.replace(/\W+/g, "-")}.bin`);
    await randomFile(path, 20 * MiB);
    const run = await runCli(["cp", path, `s3://${dst}/k`, ...flags]);
    expectOneLineError(`${name} (multipart)`, run, 2, problem);
    await expectNothingCreated();
  });

  it("on a copy too", async () => {
    const run = await runCli([
      "cp",
      `s3://${src}/present`,
      `s3://${dst}/k`,
      "--metadata-directive",
      "REPLACE",
      "--metadata",
      "note=héllo",
    ]);
    expectOneLineError(
      "metadata not ASCII (copy)",
      run,
      2,
      /metadata "note" contains "é"/,
      /encode the value/,
    );
    await expectNothingCreated();
  });
});

describe.concurrent("connection flags", () => {
  it.each([
    ["--endpoint-url notaurl", ["--endpoint-url", "notaurl"], /--endpoint-url "notaurl" is not a URL/],
    [
      "--endpoint-url ftp://",
      ["--endpoint-url", "ftp://127.0.0.1:7480"],
      /--endpoint-url "ftp:\/\/127\.0\.0\.1:7480" is not an http or https URL/,
    ],
  ])("%s", async (name, flags, problem) => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, ...flags]);
    expectOneLineError(name, run, 2, problem, /give it as http\(s\):\/\/host\[:port\]/);
    await expectNothingCreated();
  });

  it("--endpoint-url checked by every command that connects", async () => {
    const run = await runCli(["uploads", "ls", `s3://${dst}/`, "--endpoint-url", "notaurl"]);
    expectOneLineError("uploads ls --endpoint-url notaurl", run, 2, /--endpoint-url "notaurl" is not a URL/);
  });

  it("--profile that does not exist", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, "--profile", "nosuch"], {
      env: { HOME: dir, AWS_CONFIG_FILE: undefined, AWS_SHARED_CREDENTIALS_FILE: undefined },
    });
    // One line: the SDK's multi-line warning about AWS_PROFILE and the environment's keys is not printed.
    expectOneLineError(
      "--profile nosuch",
      run,
      2,
      /the profile "nosuch" \(from --profile\) is not in \S+\/\.aws\/config or \S+\/\.aws\/credentials/,
      /check its name/,
    );
    await expectNothingCreated();
  });

  it("--part-size -8MiB keeps the value as typed", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, "--part-size", "-8MiB"]);
    expectOneLineError("--part-size -8MiB", run, 2, /invalid --part-size "-8MiB"/, /e\.g\. 8MiB/);
    await expectNothingCreated();
  });
});

describe("conventions", () => {
  it("a destination ending in / takes the file's name (as aws-cli)", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/dir/`]);
    const state = await bucketState(dst);
    await client.send(new DeleteObjectCommand({ Bucket: dst, Key: "dir/small.bin" }));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^uploaded 1000 B to s3://${dst}/dir/small\\.bin `));
    expect(state).toMatch(/"versions":\["dir\/small\.bin@[^"]*"\]/);
    await expectNothingCreated();
  });

  it("a copy to a destination ending in / takes the source key's last segment", async () => {
    const run = await runCli(["cp", `s3://${src}/present`, `s3://${dst}/dir/`]);
    await client.send(new DeleteObjectCommand({ Bucket: dst, Key: "dir/present" }));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^copied 4 B to s3://${dst}/dir/present `));
    await expectNothingCreated();
  });

  it("stdin to a destination ending in / is asked for a full key", async () => {
    for (const url of [`s3://${dst}/dir/`, `s3://${dst}/`]) {
      const run = await runCli(["cp", "-", url]);
      expectOneLineError(
        `stdin to ${url.replace(dst, "<dst>")}`,
        run,
        2,
        /ends in "\/" and stdin has no name/,
        /give the full key/,
      );
    }
    await expectNothingCreated();
  });

  it("--multipart-threshold 0 on a 100-byte file says what was sent", async () => {
    const path = join(dir, "hundred.bin");
    await randomFile(path, 100);
    const run = await runCli(["cp", path, `s3://${dst}/hundred`, "--multipart-threshold", "0"]);
    await client.send(new DeleteObjectCommand({ Bucket: dst, Key: "hundred" }));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/1 parts/);
    expect(run.stdout).toMatch(/^1 part of 100 B,/m);
    await expectNothingCreated();
  });

  it("--profile wins over the environment's keys without the SDK's warning", async () => {
    const credentials = join(dir, "credentials");
    await writeFile(
      credentials,
      `[local]\naws_access_key_id = ${env.accessKeyId}\naws_secret_access_key = ${env.secretAccessKey}\n`,
    );
    const run = await runCli(["cp", small, `s3://${dst}/profiled`, "--profile", "local"], {
      env: {
        AWS_SHARED_CREDENTIALS_FILE: credentials,
        AWS_CONFIG_FILE: join(dir, "no-config"),
        AWS_ACCESS_KEY_ID: "AKIAWRONGWRONGWRONG0",
        AWS_SECRET_ACCESS_KEY: "wrong-secret-key-for-the-test-00000000000",
      },
    });
    await client.send(new DeleteObjectCommand({ Bucket: dst, Key: "profiled" }));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    await expectNothingCreated();
  });

  it("abort of an upload id that does not exist exits 1 and says so", async () => {
    const run = await runCli(["abort", `s3://${dst}/k`, "--upload-id", "BOGUS"]);
    expectOneLineError(
      "abort --upload-id BOGUS",
      run,
      1,
      /there is no multipart upload BOGUS on s3:\/\/\S+\/k/,
      /s3xfer uploads ls/,
    );
    await expectNothingCreated();
  });
});

describe("buckets and objects that do not exist", () => {
  const missing = `s3xfer-nobucket-${Date.now().toString(36)}`;

  it("upload to a bucket that does not exist (one request)", async () => {
    const run = await runCli(["cp", small, `s3://${missing}/k`]);
    expectOneLineError(
      "upload to a missing bucket",
      run,
      1,
      /bucket "[^"]+" does not exist/,
      /create it or check the name/,
    );
    expect(await bucketExists(missing)).toBe(false);
  });

  it("upload to a bucket that does not exist (multipart)", async () => {
    const path = join(dir, "twenty.bin");
    await randomFile(path, 20 * MiB);
    const run = await runCli(["cp", path, `s3://${missing}/k`]);
    expectOneLineError(
      "multipart upload to a missing bucket",
      run,
      1,
      /bucket "[^"]+" does not exist/,
      /create it or check the name/,
    );
    expect(await bucketExists(missing)).toBe(false);
  });

  it("copy to a bucket that does not exist", async () => {
    const run = await runCli(["cp", `s3://${src}/present`, `s3://${missing}/k`]);
    expectOneLineError(
      "copy to a missing bucket",
      run,
      1,
      /bucket "[^"]+" does not exist/,
      /create it or check the name/,
    );
    expect(await bucketExists(missing)).toBe(false);
    await expectNothingCreated();
  });

  it("copy from a bucket that does not exist", async () => {
    const run = await runCli(["cp", `s3://${missing}/k`, `s3://${dst}/k`]);
    expectOneLineError(
      "copy from a missing bucket",
      run,
      2,
      /source bucket "[^"]+" does not exist/,
      /check the (bucket )?name/,
    );
    await expectNothingCreated();
  });

  it("copy from a key that does not exist", async () => {
    const run = await runCli(["cp", `s3://${src}/absent`, `s3://${dst}/k`]);
    expectOneLineError(
      "copy from a missing key",
      run,
      2,
      /source s3:\/\/\S+\/absent does not exist/,
      /check the key/,
    );
    await expectNothingCreated();
  });

  it("copy from a key whose current version is a delete marker", async () => {
    const run = await runCli(["cp", `s3://${src}/deleted`, `s3://${dst}/k`]);
    expectOneLineError("copy from a deleted key", run, 2, /does not exist \(or is deleted/, /check the key/);
    await expectNothingCreated();
  });

  it("copy of a delete-marker version", async () => {
    const run = await runCli(["cp", `s3://${src}/deleted?versionId=${deleteMarker}`, `s3://${dst}/k`]);
    // AWS answers 405 for a delete marker's version; this Ceph answers 404, as for a version that never was.
    expectOneLineError(
      "copy of a delete-marker version",
      run,
      2,
      /is a delete marker|no such version, or .*delete marker/,
      /name (another|an existing) version/,
    );
    await expectNothingCreated();
  });
});

describe.concurrent("sizes", () => {
  it.each([
    ["part size below 5 MiB", "4MiB", /below S3's minimum of 5 MiB/, /at least 5MiB/],
    ["part size above 5 GiB", "6GiB", /above S3's maximum of 5 GiB/, /at most 5GiB/],
    ["part size not a size", "lots", /invalid --part-size "lots"/, /e\.g\. 8MiB/],
  ])("%s", async (name, size, problem, fix) => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, "--part-size", size]);
    expectOneLineError(name, run, 2, problem, fix);
    await expectNothingCreated();
  });

  it("a forced part size that needs more than 10,000 parts (file)", async () => {
    // Sparse: 50 GiB + 1 MiB of nothing on disk, never read (the plan is refused first).
    const path = join(dir, "sparse-50GiB");
    const handle = await open(path, "w");
    await handle.close();
    await truncate(path, 50 * 1024 * MiB + MiB);
    const run = await runCli(["cp", path, `s3://${dst}/k`, "--part-size", "5MiB"]);
    expectOneLineError(
      "--part-size 5MiB for a 50 GiB file",
      run,
      2,
      /would need 10,241 parts/,
      /use a part size of at least 6MiB/,
    );
    await expectNothingCreated();
  });

  it("a forced part size that needs more than 10,000 parts (stdin, --expected-size)", async () => {
    const run = await runCli(["cp", "-", `s3://${dst}/k`, "--expected-size", "1TiB", "--part-size", "5MiB"]);
    expectOneLineError(
      "--part-size 5MiB for --expected-size 1TiB",
      run,
      2,
      /cannot carry the expected 1 TiB/,
      /at least 105MiB/,
    );
    await expectNothingCreated();
  });

  it("an object above 48.8 TiB (--expected-size)", async () => {
    const run = await runCli(["cp", "-", `s3://${dst}/k`, "--expected-size", "49TiB"]);
    expectOneLineError("--expected-size 49TiB", run, 2, /above S3's limit of 48\.83 TiB/, /split it/);
    await expectNothingCreated();
  });
});

describe.concurrent("flags", () => {
  it.each([
    ["concurrency 0", ["--concurrency", "0"], /concurrency must be a whole number from 1 to 1000, got 0/],
    ["concurrency -1", ["--concurrency", "-1"], /from 1 to 1000, got -1/],
    ["concurrency 100000", ["--concurrency", "100000"], /from 1 to 1000, got 100000/],
    ["concurrency abc", ["--concurrency", "abc"], /--concurrency "abc" is not a whole number/],
    ["concurrency 1.5", ["--concurrency", "1.5"], /--concurrency "1.5" is not a whole number/],
  ])("%s", async (name, flags, problem) => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, ...flags]);
    expectOneLineError(name, run, 2, problem, /--concurrency 16|try 8–64/);
    await expectNothingCreated();
  });

  it.each([
    ["max attempts 0", ["--max-attempts", "0"], /max attempts must be a whole number from 1 to 100, got 0/],
    ["max attempts x", ["--max-attempts", "x"], /--max-attempts "x" is not a whole number/],
  ])("%s", async (name, flags, problem) => {
    // A multipart-sized file: the check must come before CreateMultipartUpload.
    const path = join(dir, "twenty-attempts.bin");
    await randomFile(path, 20 * MiB);
    const run = await runCli(["cp", path, `s3://${dst}/k`, ...flags]);
    expectOneLineError(name, run, 2, problem, /the default is 8|e\.g\. --max-attempts 8/);
    await expectNothingCreated();
  });

  it("an unknown checksum algorithm", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, "--checksum-algorithm", "MD5"]);
    expectOneLineError(
      "--checksum-algorithm MD5",
      run,
      2,
      /unknown checksum algorithm "MD5"/,
      /use one of CRC32, /,
    );
    await expectNothingCreated();
  });

  it("an SSE-C key of the wrong length", async () => {
    const key = Buffer.alloc(16, 7).toString("base64");
    const run = await runCli(["cp", small, `s3://${dst}/k`, "--sse-c-key", key]);
    expectOneLineError(
      "SSE-C key of 16 bytes",
      run,
      2,
      /is 16 bytes; SSE-C needs exactly 32 bytes/,
      /openssl rand -base64 32/,
    );
    expect(run.stderr).not.toContain(key);
    await expectNothingCreated();
  });

  it("an SSE-C key that is not base64", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, "--sse-c-key", "not*base64!key"]);
    expectOneLineError("SSE-C key not base64", run, 2, /is not valid base64/, /give the base64 of a 32-byte/);
    expect(run.stderr).not.toContain("not*base64!key");
    await expectNothingCreated();
  });

  it("an SSE-C key file that cannot be read", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, "--sse-c-key", `file:${join(dir, "no-key")}`]);
    expectOneLineError(
      "--sse-c-key file:<missing>",
      run,
      2,
      /--sse-c-key file \S+ cannot be read/,
      /check the path/,
    );
    await expectNothingCreated();
  });

  it("--sse-kms-key-id without --sse aws:kms", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, "--sse-kms-key-id", "testkey-1"]);
    expectOneLineError("--sse-kms-key-id alone", run, 2, /need --sse aws:kms/);
    await expectNothingCreated();
  });

  it.each([
    [
      "--sse aws:kms with --sse-c-key",
      ["--sse", "aws:kms", "--sse-c-key", Buffer.alloc(32, 1).toString("base64")],
      /cannot be used together: choose one/,
    ],
    [
      "--sse AES256 with --sse-kms-key-id",
      ["--sse", "AES256", "--sse-kms-key-id", "k"],
      /needs --sse aws:kms, not AES256/,
    ],
    ["--sse of an unknown kind", ["--sse", "rot13"], /--sse "rot13" is not known: use AES256 or aws:kms/],
    ["--json with --quiet", ["--json", "--quiet"], /--json and --quiet cannot be used together/],
    [
      "--metadata-directive on an upload",
      ["--metadata-directive", "REPLACE"],
      /applies only to a copy.*remove it/,
    ],
    ["--expected-size with a file", ["--expected-size", "1GiB"], /applies only to stdin.*remove it/],
    ["an unknown flag", ["--colour"], /Unknown argument: colour \(see s3xfer --help\)/],
  ])("conflicting or misplaced: %s", async (name, flags, problem) => {
    const run = await runCli(["cp", small, `s3://${dst}/k`, ...flags]);
    expectOneLineError(name, run, 2, problem);
    await expectNothingCreated();
  });

  it.each([
    ["--content-md5 on a copy", ["--content-md5"], /applies only to an upload.*remove it/],
    [
      "--content-type with --metadata-directive COPY",
      ["--metadata-directive", "COPY", "--content-type", "text/plain"],
      /use REPLACE to set them/,
    ],
  ])("conflicting on a copy: %s", async (name, flags, problem) => {
    const run = await runCli(["cp", `s3://${src}/present`, `s3://${dst}/k`, ...flags]);
    expectOneLineError(name, run, 2, problem);
    await expectNothingCreated();
  });

  it("a copy onto itself that changes nothing", async () => {
    const run = await runCli(["cp", `s3://${src}/present`, `s3://${src}/present`]);
    expectOneLineError(
      "copy onto itself, nothing changed",
      run,
      2,
      /onto itself without changing anything/,
      /REPLACE/,
    );
    await expectNothingCreated();
  });
});

describe("credentials and endpoint", () => {
  it("a wrong secret key (upload)", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/k`], {
      env: { AWS_SECRET_ACCESS_KEY: "wrong-secret-key-for-the-test-00000000000" },
    });
    expectOneLineError(
      "wrong secret key",
      run,
      1,
      /refused \(SignatureDoesNotMatch\): the credentials are not valid/,
      /check AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY or --profile/,
    );
    await expectNothingCreated();
  });

  it("an access key the server does not know (multipart upload)", async () => {
    const path = join(dir, "twenty-creds.bin");
    await randomFile(path, 20 * MiB);
    const run = await runCli(["cp", path, `s3://${dst}/k`], {
      env: { AWS_ACCESS_KEY_ID: "AKIAUNKNOWNTOTHISRGW" },
    });
    expectOneLineError(
      "unknown access key",
      run,
      1,
      /refused \(InvalidAccessKeyId\)/,
      /check AWS_ACCESS_KEY_ID/,
    );
    await expectNothingCreated();
  });

  it("bad credentials on a copy (a HEAD: 403 without a code)", async () => {
    const run = await runCli(["cp", `s3://${src}/present`, `s3://${dst}/k`], {
      env: { AWS_SECRET_ACCESS_KEY: "wrong-secret-key-for-the-test-00000000000" },
    });
    expectOneLineError("wrong secret key (copy)", run, 1, /refused \(HTTP 403\)/, /check AWS_ACCESS_KEY_ID/);
    await expectNothingCreated();
  });

  it("no credentials at all", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/k`], {
      env: {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_PROFILE: undefined,
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, "none"),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
        // No instance metadata service here: don't wait for one.
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    expectOneLineError(
      "no credentials",
      run,
      1,
      /no AWS credentials were found/,
      /set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --profile/,
    );
    await expectNothingCreated();
  });

  it.each([
    ["connection refused, one request", "http://127.0.0.1:1", 1000],
    ["connection refused, multipart", "http://127.0.0.1:1", 20 * MiB],
    ["host that does not resolve", "http://s3xfer-no-such-host.invalid", 1000],
  ])("an unreachable endpoint: %s", async (name, endpoint, size) => {
    const path = join(dir, `unreachable-${size}`);
    await randomFile(path, size);
    const run = await runCli(["cp", path, `s3://${dst}/k`, "--endpoint-url", endpoint]);
    expectOneLineError(
      `unreachable endpoint (${name})`,
      run,
      1,
      /cannot reach the S3 endpoint \((ECONNREFUSED|ENOTFOUND)\)/,
      /check --endpoint-url \/ AWS_ENDPOINT_URL and the network/,
    );
    // Bounded retries: an endpoint that never answered is tried 4 times, not the policy's 8 (minutes, with
    // connect timeouts). Said in the message, so the bound is checked without timing the run.
    expect(run.stderr).toMatch(/after 4 attempts/);
    await expectNothingCreated();
  });
});

describe("a local file that changes during the upload", () => {
  // Library level: the callback runs before the next part is handed to a worker, so the change is certain
  // to be seen by a part that reads after it.
  it.each([
    ["shrinks", (path: string) => truncateSync(path, 12 * MiB)],
    ["grows", (path: string) => appendFileSync(path, "more")],
    [
      "is rewritten in place",
      (path: string) => {
        const fd = openSync(path, "r+");
        writeSync(fd, Buffer.from("changed"), 0, 7, 20 * MiB);
        closeSync(fd);
      },
    ],
  ])("a file that %s is detected and the upload aborted", async (what, change) => {
    const path = join(dir, `changes-${what.replace(/ /g, "-")}`);
    await randomFile(path, 30 * MiB);
    let changed = false;
    const failure = await upload({
      endpoint: env.endpoint,
      region: env.region,
      credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
      source: path,
      bucket: dst,
      key: "changing",
      partSize: 5 * MiB,
      concurrency: 2,
      onEvent: (e) => {
        if (e.type === "part" && !changed) {
          changed = true;
          // Synchronously: the next part is handed to a worker only after this listener returns.
          change(path);
        }
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TransferError);
    const error = failure as TransferError;
    expect(error.code).toBe("SOURCE_CHANGED");
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/changed during the transfer/);
    expect(error.message).toMatch(/upload it again once the file has stopped changing/);
    expect(error.message).toMatch(/the multipart upload was aborted, nothing was left on the server/);
    await expectNothingCreated();
  });

  let proxy: FaultProxy | undefined;
  afterAll(async () => proxy?.close());

  it("the CLI reports it in one line and exits 1", async () => {
    // Slow the parts down (through a throttling proxy) so the file changes while later parts are still unread.
    proxy = await startFaultProxy({
      rules: [{ fault: "throttle", operations: ["UploadPart"], bytesPerSecond: 20 * 1024 * 1024 }],
    });
    const path = join(dir, "changes-cli");
    await randomFile(path, 40 * MiB);
    let changing: Promise<void> | undefined;
    const run = await runCli(
      [
        "cp",
        path,
        `s3://${dst}/k`,
        "--json",
        "--part-size",
        "5MiB",
        "--concurrency",
        "1",
        "--endpoint-url",
        proxy.url,
      ],
      {
        onStdout: (out) => {
          if (!changing && out.includes('"type":"part"')) changing = appendFile(path, "appended");
        },
      },
    );
    await changing;
    expect(changing).toBeDefined();
    // With --json, stdout carries the event stream (including the error event); stderr the one line.
    const events = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; code?: string });
    expect(events.at(-1)).toMatchObject({ type: "error", code: "SOURCE_CHANGED" });
    table.push({
      case: "file grows during upload (CLI)",
      exit: run.code,
      message: normalize(run.stderr.trim()),
    });
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    // The size or only the mtime may show the change first: a write updates the mtime before the size.
    expect(run.stderr).toMatch(
      /^s3xfer: error: \S+changes-cli changed during the transfer \(size 41943040 → \d+, modified/,
    );
    expect(run.stderr).toMatch(/upload it again once the file has stopped changing/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.code).toBe(1);
    await expectNothingCreated();
  });
});

describe("the harness itself", () => {
  // A control: the same checks see a clean run as clean, so they can tell a failure apart.
  it("a good upload exits 0 with the summary on stdout and nothing on stderr", async () => {
    const run = await runCli(["cp", small, `s3://${dst}/ok`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^uploaded 1000 B to s3:\/\//);
    await expect(expectNothingCreated()).rejects.toThrow();
    await client.send(new DeleteObjectCommand({ Bucket: dst, Key: "ok" }));
    await expectNothingCreated();
  });
});
