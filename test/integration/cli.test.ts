import { createReadStream } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Client } from "@aws-sdk/client-s3";
import { upload } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket, localS3Env, testClient } from "../support/local-s3.js";
import { downloadedSha256, etagPartCount, randomFile, scratchDir } from "../support/objects.js";
import { runCli, startCli } from "../support/cli.js";

const client = testClient();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let file: string;
let fileSha: string;

beforeAll(async () => {
  bucket = await createTestBucket("cli");
  scratch = await scratchDir();
  file = join(scratch.dir, "data.bin");
  fileSha = await randomFile(file, 40 * MiB + 3);
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

function lines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("s3xfer cp (as a user runs it)", () => {
  it("--json: NDJSON events on stdout, the complete event (with the result) last", async () => {
    const run = await runCli(["cp", file, `s3://${bucket}/json.bin`, "--part-size", "8MiB", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const events = lines(run.stdout);
    expect(events[0]!.type).toBe("start");
    expect(events.filter((e) => e.type === "part")).toHaveLength(6);
    const last = events[events.length - 1]!;
    expect(last.type).toBe("complete");
    const result = last.result as Record<string, unknown>;
    expect(result.operation).toBe("upload");
    expect(result.size).toBe(40 * MiB + 3);
    expect(result.parts).toBe(6);
    expect((result.verified as { checksum: string }).checksum).toBe("not verifiable by server");
    expect((await downloadedSha256(client, bucket, "json.bin")).sha256).toBe(fileSha);
  });

  it("a pipe gets no progress bar, and a short summary on stdout", async () => {
    const run = await runCli(["cp", file, `s3://${bucket}/plain.bin`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^uploaded 40 MiB to s3:\/\/.*\/plain\.bin in [\d.]+ s \([\d.]+ [KMG]iB\/s\)\n3 parts of 16 MiB/,
    );
    expect(run.stdout).toMatch(/verified: size 41943043 ok/);
    expect(run.stderr).not.toMatch(/█|░/);
  });

  it.each([
    ["without --expected-size", []],
    ["with --expected-size", ["--expected-size", "40MiB"]],
  ])("stdin (-) %s", async (_name, extra) => {
    const key = `stdin-${extra.length}.bin`;
    const { child, done } = startCli(
      ["cp", "-", `s3://${bucket}/${key}`, "--part-size", "5MiB", "--json", ...extra],
      {},
      "pipe",
    );
    await pipeline(createReadStream(file), child.stdin!);
    const run = await done;
    expect(run.code, run.stderr).toBe(0);
    const { result } = lines(run.stdout).pop()! as { result: { size: number } };
    expect(result.size).toBe(40 * MiB + 3);
    const got = await downloadedSha256(client, bucket, key);
    expect(got.sha256).toBe(fileSha);
    expect(etagPartCount(got.etag)).toBe(9);
  });

  it("server-side copy through the CLI reports what it verified", async () => {
    await runCli([
      "cp",
      file,
      `s3://${bucket}/src.bin`,
      "--part-size",
      "8MiB",
      "--metadata",
      "a=1",
      "--tagging",
      "t=1",
    ]);
    const run = await runCli(["cp", `s3://${bucket}/src.bin`, `s3://${bucket}/dst.bin`, "--force-multipart"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^copied 40 MiB .*\n6 parts of 8 MiB/);
    expect(run.stdout).toMatch(/verified: size 41943043 ok, .*ETag ok/);
  });

  it("--version names the checksum implementations in use", async () => {
    const run = await runCli(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^s3xfer \d+\.\d+\.\d+/);
    expect(run.stdout).toMatch(/checksum CRC64NVME: \S+/);
  });

  it("plan: 48.8 TiB is planned, 48.9 TiB refused with exit 2", async () => {
    const ok = await runCli(["plan", "--size", "48.8TiB", "--json"]);
    expect(ok.code).toBe(0);
    const plan = JSON.parse(ok.stdout) as { partCount: number; partSize: number };
    expect(plan.partCount).toBeLessThanOrEqual(10_000);
    expect(plan.partSize).toBeLessThanOrEqual(5 * 1024 * MiB);
    const bad = await runCli(["plan", "--size", "48.9TiB"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/above S3's limit of 48\.83 TiB/);
  });
});

describe("library: the caller's own client and credential provider", () => {
  it("credentials are asked of the caller's provider on the main thread and reach the workers", async () => {
    const env = localS3Env();
    let calls = 0;
    const own = new S3Client({
      endpoint: env.endpoint,
      region: env.region,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials: async () => {
        calls++;
        // short-lived credentials, as an STS or SSO provider hands out
        return {
          accessKeyId: env.accessKeyId,
          secretAccessKey: env.secretAccessKey,
          expiration: new Date(Date.now() + 10 * 60_000),
        };
      },
    });
    const result = await upload({
      client: own,
      source: file,
      bucket,
      key: "own-client.bin",
      partSize: 5 * MiB,
    });
    expect(result.parts).toBe(9);
    expect(calls).toBeGreaterThan(0);
    expect((await downloadedSha256(client, bucket, "own-client.bin")).sha256).toBe(fileSha);
    // the caller's client is theirs: still usable afterwards
    await expect(own.config.region()).resolves.toBe(env.region);
  });
});
