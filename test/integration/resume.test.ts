import { readFile, writeFile, utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PutBucketVersioningCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { upload, copy, resume, TransferError, UsageError } from "../../src/index.js";
import { defaultJournalPath } from "../../src/journal/location.js";
import { MiB } from "../../src/planner/limits.js";
import { testConnection, createTestBucket, emptyAndDeleteBucket, testClient } from "../support/local-s3.js";
import { downloadedSha256, inProgressUploads, randomFile, scratchDir } from "../support/objects.js";
import { runCli, seededRandom, startCli } from "../support/cli.js";

const client = testClient();
const connection = testConnection();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let big: string;
let bigSha: string;
const SIZE = 48 * MiB;

beforeAll(async () => {
  bucket = await createTestBucket("resume");
  scratch = await scratchDir();
  big = join(scratch.dir, "big.bin");
  bigSha = await randomFile(big, SIZE);
  await client.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }),
  );
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

/** Stops a transfer as a crash would: its parts so far stay on the server, its journal as written. */
async function interruptedUpload(key: string, extra: Record<string, unknown> = {}) {
  const controller = new AbortController();
  let parts = 0;
  const error = await upload({
    ...connection,
    source: big,
    bucket,
    key,
    partSize: 5 * MiB,
    concurrency: 2,
    signal: controller.signal,
    keepForResume: true,
    onEvent: (e) => {
      if (e.type === "part" && ++parts === 6) controller.abort();
    },
    ...extra,
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TransferError);
  expect((error as TransferError).code).toBe("INTERRUPTED");
  return defaultJournalPath(bucket, key);
}

describe("kill -9 at random moments, then resume (the CLI as a child process)", () => {
  // 5 kills of an upload and 5 of a copy: 10 random moments in all (S3XFER_KILL_RUNS for more).
  const runs = Number(process.env.S3XFER_KILL_RUNS ?? 5);
  const seed = Number(process.env.S3XFER_KILL_SEED ?? 20261121);

  async function killLoop(kind: "upload" | "copy") {
    const random = seededRandom(seed + (kind === "copy" ? 1 : 0));
    const source = kind === "upload" ? big : `s3://${bucket}/copy-source`;
    // --part-size also makes the copy multipart (up to 5 GiB it would otherwise be one CopyObject).
    const figures = {
      runs: 0,
      killedMidway: 0,
      finishedBeforeKill: 0,
      resumeFailures: 0,
      orphans: 0,
      resumedParts: 0,
    };
    // Calibrate: how long one uninterrupted run takes here.
    const t0 = Date.now();
    const first = await runCli([
      "cp",
      source,
      `s3://${bucket}/${kind}-calibrate`,
      "--part-size",
      "5MiB",
      "--concurrency",
      "2",
      "--no-progress",
    ]);
    expect(first.code, first.stderr).toBe(0);
    const full = Date.now() - t0;
    for (let i = 0; i < runs; i++) {
      const key = `${kind}-killed-${i}`;
      const delay = Math.floor(100 + random() * full);
      const { child, done } = startCli([
        "cp",
        source,
        `s3://${bucket}/${key}`,
        "--part-size",
        "5MiB",
        "--concurrency",
        "2",
        "--no-progress",
      ]);
      const timer = setTimeout(() => child.kill("SIGKILL"), delay);
      const run = await done;
      clearTimeout(timer);
      figures.runs++;
      if (run.code === 0) {
        figures.finishedBeforeKill++;
        continue;
      }
      figures.killedMidway++;
      const resumed = await runCli(["resume", `s3://${bucket}/${key}`, "--json"]);
      if (resumed.code !== 0) {
        // Killed before the journal existed: nothing was started, so nothing can be left; cp again.
        expect(resumed.stderr).toMatch(/no journal/);
        const again = await runCli([
          "cp",
          source,
          `s3://${bucket}/${key}`,
          "--part-size",
          "5MiB",
          "--no-progress",
        ]);
        if (again.code !== 0) figures.resumeFailures++;
      } else {
        // The last --json line is the complete event: { type: "complete", result }.
        const { result } = JSON.parse(resumed.stdout.trim().split("\n").pop()!);
        figures.resumedParts += result.partsResumed;
      }
      const got = await downloadedSha256(client, bucket, key);
      expect(got.sha256, `${kind} run ${i} (kill after ${delay} ms)`).toBe(bigSha);
    }
    figures.orphans = (await inProgressUploads(client, bucket)).length;
    console.log(`kill -9 loop (${kind}, seed ${seed}, one full run ${full} ms):`, JSON.stringify(figures));
    expect(figures.resumeFailures).toBe(0);
    expect(figures.orphans).toBe(0);
    expect(figures.killedMidway).toBeGreaterThan(0);
  }

  it("upload", async () => {
    await killLoop("upload");
  });

  it("server-side copy", async () => {
    await upload({ ...connection, source: big, bucket, key: "copy-source", partSize: 5 * MiB });
    await killLoop("copy");
  });
});

describe("resume checks before it trusts", () => {
  it("Ctrl-C in the library (keepForResume) then resume: only missing parts are sent", async () => {
    const journal = await interruptedUpload("lib-resume");
    expect(await inProgressUploads(client, bucket)).toHaveLength(1);
    const result = await resume(journal, { ...connection, keepJournal: true });
    expect(result.partsResumed).toBeGreaterThanOrEqual(6);
    expect(result.partsResumed + result.partsSent).toBe(10);
    expect((await downloadedSha256(client, bucket, "lib-resume")).sha256).toBe(bigSha);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    // resuming a finished transfer prints its result again
    const again = await resume(journal, connection);
    expect(again.etag).toBe(result.etag);
  });

  it("a crash right after CompleteMultipartUpload: resume recognises the finished object by its part MD5s", async () => {
    await upload({
      ...connection,
      source: big,
      bucket,
      key: "completed-early",
      partSize: 5 * MiB,
      keepJournal: true,
    });
    const journal = defaultJournalPath(bucket, "completed-early");
    const lines = (await readFile(journal, "utf8")).trimEnd().split("\n");
    // as if the process died before writing the journal's last line
    await writeFile(journal, lines.filter((l) => !l.includes('"type":"completed"')).join("\n") + "\n");
    const result = await resume(journal, connection);
    expect(result.verified.etag).toBe("ok");
    expect(result.notes.join()).toMatch(/completed just before the interruption; its ETag matches/);
    expect(result.partsSent).toBe(0);
  });

  it("a torn last journal line is ignored, and the part behind it re-verified", async () => {
    const journal = await interruptedUpload("torn");
    const text = await readFile(journal, "utf8");
    await writeFile(journal, text.slice(0, text.length - 17));
    const result = await resume(journal, connection);
    expect(result.notes.join()).toMatch(/verified and kept/);
    expect((await downloadedSha256(client, bucket, "torn")).sha256).toBe(bigSha);
  });

  it("a part on the server but missing from the journal is adopted after verification", async () => {
    const journal = await interruptedUpload("adopt");
    const lines = (await readFile(journal, "utf8")).trimEnd().split("\n");
    const kept = lines.filter((l) => !l.includes('"partNumber":2,'));
    await writeFile(journal, kept.join("\n") + "\n");
    const result = await resume(journal, connection);
    expect(result.notes.join()).toMatch(
      /1 part\(s\) found on the server but not in the journal were verified and kept/,
    );
    expect((await downloadedSha256(client, bucket, "adopt")).sha256).toBe(bigSha);
  });

  it("a corrupted server part (other bytes under the same number) is detected and sent again", async () => {
    const journal = await interruptedUpload("corrupt");
    const uploadLine = (await readFile(journal, "utf8"))
      .split("\n")
      .find((l) => l.includes('"type":"upload"'))!;
    const uploadId = JSON.parse(uploadLine).uploadId as string;
    await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "corrupt",
        UploadId: uploadId,
        PartNumber: 1,
        Body: Buffer.alloc(5 * MiB, 0x55),
      }),
    );
    const result = await resume(journal, connection);
    expect(result.notes.join()).toMatch(/part 1 sent again: the server's part is not the file's bytes/);
    expect((await downloadedSha256(client, bucket, "corrupt")).sha256).toBe(bigSha);
  });

  it("a source file modified since is refused; --restart starts over", async () => {
    const path = join(scratch.dir, "changing.bin");
    const sha = await randomFile(path, 30 * MiB);
    const controller = new AbortController();
    await upload({
      ...connection,
      source: path,
      bucket,
      key: "changing",
      partSize: 5 * MiB,
      concurrency: 1,
      signal: controller.signal,
      keepForResume: true,
      onEvent: (e) => e.type === "part" && controller.abort(),
    }).catch(() => undefined);
    const journal = defaultJournalPath(bucket, "changing");
    await utimes(path, new Date(), new Date(Date.now() + 5_000));
    const error = await resume(journal, connection).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/was modified since the transfer started.*--restart/);
    const restarted = await resume(journal, { ...connection, restart: true });
    expect(restarted.partsResumed).toBe(0);
    expect((await downloadedSha256(client, bucket, "changing")).sha256).toBe(sha);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });

  it("an SSE-C transfer needs the same key to resume", async () => {
    const key = Buffer.alloc(32, 9);
    const journal = await interruptedUpload("ssec-resume", { sseCustomerKey: key });
    expect(await readFile(journal, "utf8")).not.toContain(key.toString("base64"));
    await expect(resume(journal, connection)).rejects.toThrow(
      /encrypted with SSE-C: give the same key again/,
    );
    await expect(resume(journal, { ...connection, sseCustomerKey: Buffer.alloc(32, 1) })).rejects.toThrow(
      /not the one/,
    );
    const result = await resume(journal, { ...connection, sseCustomerKey: key });
    expect(result.size).toBe(SIZE);
  });

  it("journal files are 0600 in a 0700 directory", async () => {
    const journal = await interruptedUpload("modes");
    const { stat } = await import("node:fs/promises");
    expect((await stat(journal)).mode & 0o777).toBe(0o600);
    expect((await stat(join(journal, ".."))).mode & 0o777).toBe(0o700);
    await resume(journal, connection);
  });

  it("a copy interrupted and resumed", async () => {
    await upload({ ...connection, source: big, bucket, key: "copy-src-2", partSize: 5 * MiB });
    const controller = new AbortController();
    let parts = 0;
    await copy({
      ...connection,
      source: { bucket, key: "copy-src-2" },
      bucket,
      key: "copy-dst-2",
      concurrency: 2,
      forceMultipart: true,
      signal: controller.signal,
      keepForResume: true,
      onEvent: (e) => e.type === "part" && ++parts === 5 && controller.abort(),
    }).catch(() => undefined);
    const result = await resume(defaultJournalPath(bucket, "copy-dst-2"), connection);
    expect(result.partsResumed).toBeGreaterThanOrEqual(5);
    expect(result.verified.etag).toBe("ok");
    expect((await downloadedSha256(client, bucket, "copy-dst-2")).sha256).toBe(bigSha);
  });
});

describe("orphans", () => {
  it("uploads ls shows in-progress uploads; clean --older-than aborts only old ones; abort drops one", async () => {
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    const journal = await interruptedUpload("orphan-a");
    const ls = await runCli(["uploads", "ls", `s3://${bucket}/orphan-`, "--json"]);
    expect(ls.code, ls.stderr).toBe(0);
    const listed = JSON.parse(ls.stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0].journal).toBe(journal);
    expect(listed[0].parts).toBeGreaterThanOrEqual(6);
    const young = await runCli(["uploads", "clean", `s3://${bucket}/orphan-`, "--older-than", "1h"]);
    expect(young.stdout).toMatch(/0 aborted, 1 younger kept/);
    const dry = await runCli([
      "uploads",
      "clean",
      `s3://${bucket}/orphan-`,
      "--older-than",
      "0s",
      "--dry-run",
    ]);
    expect(dry.stdout).toMatch(/would abort orphan-a/);
    expect(await inProgressUploads(client, bucket)).toHaveLength(1);
    const clean = await runCli(["uploads", "clean", `s3://${bucket}/orphan-`, "--older-than", "0s"]);
    expect(clean.stdout).toMatch(/aborted orphan-a/);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    // its journal now says aborted: resume refuses, a new cp may start
    await expect(resume(journal, connection)).rejects.toThrow(/was aborted/);

    await interruptedUpload("orphan-b");
    const aborted = await runCli(["abort", `s3://${bucket}/orphan-b`]);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });

  it("a new cp to a destination with an unfinished transfer is refused with both ways out", async () => {
    await interruptedUpload("unfinished");
    const run = await runCli(["cp", big, `s3://${bucket}/unfinished`, "--no-progress"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/s3xfer resume s3:\/\/.*\/unfinished.*s3xfer abort/);
    await runCli(["abort", `s3://${bucket}/unfinished`]);
  });
});
