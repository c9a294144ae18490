// The put-object / upload-part-copy flags from the seeds (Object Lock, grants, website redirect) against
// the local Ceph, on all three write paths: PutObject, CreateMultipartUpload and a multipart copy. Also the
// settings errors an operator meets first: a missing region, a misspelt profile.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectAclCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectLegalHoldCommand,
} from "@aws-sdk/client-s3";
import { MiB } from "../../src/planner/limits.js";
import { runCli } from "../support/cli.js";
import { createTestBucket, emptyAndDeleteBucket, localS3Env, testClient } from "../support/local-s3.js";
import { startRecordingProxy } from "../support/recording-proxy.js";
import { randomFile, scratchDir } from "../support/objects.js";

const client = testClient();
let lockedBucket: string;
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let small: string;
let large: string;

beforeAll(async () => {
  bucket = await createTestBucket("seed-flags");
  lockedBucket = `${bucket}-lock`;
  await client.send(new CreateBucketCommand({ Bucket: lockedBucket, ObjectLockEnabledForBucket: true }));
  scratch = await scratchDir();
  small = join(scratch.dir, "small.bin");
  large = join(scratch.dir, "large.bin");
  await randomFile(small, 1000);
  await randomFile(large, 6 * MiB + 1);
});

/** Locked objects go only once their legal hold is off, and with the governance retention bypassed. */
async function deleteLockedBucket(name: string): Promise<void> {
  const versions = await client.send(new ListObjectVersionsCommand({ Bucket: name }));
  for (const v of versions.Versions ?? []) {
    await client.send(
      new PutObjectLegalHoldCommand({
        Bucket: name,
        Key: v.Key,
        VersionId: v.VersionId,
        LegalHold: { Status: "OFF" },
      }),
    );
    await client.send(
      new DeleteObjectCommand({
        Bucket: name,
        Key: v.Key,
        VersionId: v.VersionId,
        BypassGovernanceRetention: true,
      }),
    );
  }
  for (const m of versions.DeleteMarkers ?? [])
    await client.send(new DeleteObjectCommand({ Bucket: name, Key: m.Key, VersionId: m.VersionId }));
  await client.send(new DeleteBucketCommand({ Bucket: name }));
}

afterAll(async () => {
  await deleteLockedBucket(lockedBucket).catch(() => emptyAndDeleteBucket(lockedBucket));
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

// A day ahead, whole seconds: S3 keeps retention dates to the second.
const RETAIN_UNTIL = new Date(Math.floor(Date.now() / 1000) * 1000 + 24 * 3600 * 1000);
const LOCK_FLAGS = [
  "--object-lock-mode",
  "GOVERNANCE",
  "--object-lock-retain-until-date",
  RETAIN_UNTIL.toISOString(),
  "--object-lock-legal-hold-status",
  "ON",
];
const MULTIPART = ["--force-multipart", "--part-size", "5MiB"];

async function expectLocked(key: string): Promise<void> {
  const head = await client.send(new HeadObjectCommand({ Bucket: lockedBucket, Key: key }));
  expect(head.ObjectLockMode).toBe("GOVERNANCE");
  expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(RETAIN_UNTIL.getTime());
  expect(head.ObjectLockLegalHoldStatus).toBe("ON");
}

describe("Object Lock flags", () => {
  it("lock an object sent in one PutObject", async () => {
    const run = await runCli(["cp", small, `s3://${lockedBucket}/single.bin`, ...LOCK_FLAGS]);
    expect(run.code, run.stderr).toBe(0);
    await expectLocked("single.bin");
  });

  // Ceph 16 ignores Object Lock headers on CreateMultipartUpload (AWS applies them to the completed object),
  // so for parts and copies the test checks what s3xfer sends, through a proxy that records the requests.
  it.each([
    ["an upload in parts", () => [large]],
    ["a multipart copy", () => [`s3://${bucket}/copy-source.bin`]],
  ])("send the lock with CreateMultipartUpload for %s", async (name, source) => {
    const up = await runCli(["cp", large, `s3://${bucket}/copy-source.bin`, ...MULTIPART]);
    expect(up.code, up.stderr).toBe(0);
    const proxy = await startRecordingProxy(new URL(localS3Env().endpoint));
    try {
      const key = name.replace(/\W+/g, "-");
      const run = await runCli([
        "cp",
        ...source(),
        `s3://${lockedBucket}/${key}`,
        "--endpoint-url",
        proxy.endpoint,
        ...MULTIPART,
        ...LOCK_FLAGS,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const creates = proxy.requests.filter((r) => r.method === "POST" && /[?&]uploads(=|&|$)/.test(r.url));
      expect(creates).toHaveLength(1);
      expect(creates[0]!.headers).toMatchObject({
        "x-amz-object-lock-mode": "GOVERNANCE",
        "x-amz-object-lock-legal-hold": "ON",
      });
      expect(new Date(String(creates[0]!.headers["x-amz-object-lock-retain-until-date"])).getTime()).toBe(
        RETAIN_UNTIL.getTime(),
      );
    } finally {
      await proxy.close();
    }
  });

  it("refuse a mode without a date, exit 2, before anything is sent", async () => {
    const run = await runCli([
      "cp",
      small,
      `s3://${lockedBucket}/refused.bin`,
      "--object-lock-mode",
      "GOVERNANCE",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--object-lock-mode and --object-lock-retain-until-date .* go together/);
  });
});

describe("grants and website redirect", () => {
  const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";

  it.each([
    ["single", [] as string[]],
    ["multipart", MULTIPART],
  ])("--grant-read and --website-redirect-location reach the object (%s)", async (name, extra) => {
    const key = `granted-${name}.bin`;
    const run = await runCli([
      "cp",
      extra.length > 0 ? large : small,
      `s3://${bucket}/${key}`,
      ...extra,
      "--grant-read",
      `uri="${ALL_USERS}"`,
      "--website-redirect-location",
      "/elsewhere.html",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const acl = await client.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
    expect(acl.Grants).toContainEqual(
      expect.objectContaining({ Permission: "READ", Grantee: expect.objectContaining({ URI: ALL_USERS }) }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.WebsiteRedirectLocation).toBe("/elsewhere.html");
  });

  it("refuse --acl with --grant-*, exit 2", async () => {
    const run = await runCli([
      "cp",
      small,
      `s3://${bucket}/x.bin`,
      "--acl",
      "private",
      "--grant-read",
      `uri="${ALL_USERS}"`,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--acl and --grant-read cannot be used together/);
  });
});

describe("settings errors", () => {
  /** As on a machine with no AWS settings at all, beyond the credentials. */
  const BARE = {
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_ENDPOINT_URL: undefined,
    AWS_CONFIG_FILE: join("/nonexistent", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join("/nonexistent", "credentials"),
  };

  it("a missing region is exit 2, saying where to set one", async () => {
    const run = await runCli(["cp", small, `s3://${bucket}/no-region.bin`], BARE);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/no AWS region is set: give --region, set AWS_REGION/);
    const empty = await runCli(["cp", small, `s3://${bucket}/no-region.bin`], { ...BARE, AWS_REGION: "" });
    expect(empty.code, empty.stderr).toBe(2);
    expect(empty.stderr).toMatch(/no AWS region is set/);
  });

  it("a profile that does not exist is named, exit 2", async () => {
    const run = await runCli(
      ["cp", small, `s3://${bucket}/no-profile.bin`, "--profile", "nightly-bakcup"],
      BARE,
    );
    expect(run.code).toBe(2);
    // The files named are the ones read: here AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE.
    expect(run.stderr).toMatch(
      /the profile "nightly-bakcup" \(from --profile\) is not in \/nonexistent\/config or \/nonexistent\/credentials/,
    );
    const fromEnv = await runCli(["uploads", "ls", `s3://${bucket}/`], {
      ...BARE,
      AWS_PROFILE: "nightly-bakcup",
    });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/"nightly-bakcup" \(from AWS_PROFILE\)/);
  });
});
