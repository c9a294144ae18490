// Issue 14, "the nightly job": one interrupted night must not lock the key for every night after. A job
// script using the built library's upload({ onUnfinished: "resume" }) is killed (-9) after a seeded number of
// finished parts, then run again: it finishes the recorded upload, the object is byte-identical, and no
// multipart upload is left open. Also cp --on-unfinished restart / the default refusal, findTransfer, and
// the lock: a transfer another process runs refuses whatever onUnfinished says.
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findTransfer, resume, upload, TransferError, UnfinishedTransferError } from "../../src/index.js";
import { TransferJournal } from "../../src/journal/transfer-journal.js";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket, testClient, testConnection } from "../support/local-s3.js";
import { downloadedSha256, inProgressUploads, randomFile, scratchDir } from "../support/objects.js";
import { runCli, seededRandom } from "../support/cli.js";

const JOB = fileURLToPath(new URL("../support/nightly-job.mjs", import.meta.url));
const SEED = Number(process.env.S3XFER_NIGHTLY_SEED ?? 20261204);
const SIZE = 40 * MiB;
const PART = 5 * MiB;

const client = testClient();
const connection = testConnection();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let file: string;
let fileSha: string;
const savedStateHome = process.env.XDG_STATE_HOME;

beforeAll(async () => {
  bucket = await createTestBucket("nightly");
  scratch = await scratchDir();
  file = join(scratch.dir, "backup.bin");
  fileSha = await randomFile(file, SIZE);
  // The journals of this file's transfers (the children's and this worker's) live in the scratch dir.
  process.env.XDG_STATE_HOME = join(scratch.dir, "state");
  await mkdir(process.env.XDG_STATE_HOME, { recursive: true });
});

afterAll(async () => {
  if (savedStateHome === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = savedStateHome;
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

interface JobRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: Record<string, unknown>[];
  stderr: string;
}

/** Runs the nightly job; `killAfterParts` kills it (-9) once it reported that many finished parts. */
function runJob(key: string, killAfterParts?: number, onPart?: (count: number) => void): Promise<JobRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [JOB, JSON.stringify({ bucket, key, file, partSize: PART })], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: Record<string, unknown>[] = [];
    let buffered = "";
    let stderr = "";
    let parts = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        if (line.part !== undefined) {
          parts++;
          onPart?.(parts);
          if (parts === killAfterParts) child.kill("SIGKILL");
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code, signal) => resolve({ code, signal, lines, stderr }));
  });
}

/** Stops a library upload as Ctrl-C would: its parts so far stay on the server, its journal unfinished. */
async function interruptedUpload(key: string): Promise<string> {
  const controller = new AbortController();
  let parts = 0;
  const error = await upload({
    ...connection,
    source: file,
    bucket,
    key,
    partSize: PART,
    concurrency: 2,
    signal: controller.signal,
    keepForResume: true,
    onEvent: (e) => {
      if (e.type === "part" && ++parts === 3) controller.abort();
    },
  }).catch((e: unknown) => e);
  expect((error as TransferError).code).toBe("INTERRUPTED");
  const found = await findTransfer({ bucket, key });
  expect(found?.state).toBe("unfinished");
  return found!.journalPath;
}

describe("a nightly job killed midway is finished by the next night", () => {
  it("kill -9 after a seeded number of parts, run again: resumed, byte-identical, nothing left open", async () => {
    const random = seededRandom(SEED);
    // 8 parts in all: kill after 2 to 6 of them, so the kill lands mid-upload.
    const killAfter = 2 + Math.floor(random() * 5);
    const key = "nightly/backup.bin";

    const night1 = await runJob(key, killAfter);
    expect(night1.signal, night1.stderr).toBe("SIGKILL");
    const recorded = await findTransfer({ bucket, key });
    expect(recorded).toMatchObject({ state: "unfinished", operation: "upload", partCount: 8 });
    expect(recorded!.uploadId).not.toBe("");
    expect(await inProgressUploads(client, bucket)).toEqual([`${key} ${recorded!.uploadId}`]);

    const night2 = await runJob(key);
    expect(night2.code, night2.stderr).toBe(0);
    const outcome = night2.lines.at(-1)!;
    console.log(
      `nightly job (seed ${SEED}): killed after ${killAfter} parts; journal had ${recorded!.partsDone}; ` +
        `the next night resumed ${String(outcome.partsResumed)} and sent ${night2.lines.length - 1}`,
    );
    expect(outcome.outcome).toBe("completed");
    // Every part the journal recorded was kept, not sent again.
    expect(outcome.partsResumed).toBeGreaterThanOrEqual(recorded!.partsDone);
    expect(night2.lines.length - 1).toBe(8 - Number(outcome.partsResumed));
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(fileSha);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    // Completed and verified: the journal is gone, the next night starts afresh.
    expect(await findTransfer({ bucket, key })).toBeUndefined();
  });

  it("a transfer run by another process refuses (TRANSFER_RUNNING) whatever onUnfinished says", async () => {
    const key = "nightly/running.bin";
    const journalPath = await interruptedUpload(key);
    const [uploadBefore] = await inProgressUploads(client, bucket);
    // The transfer's lock held as a running transfer holds it.
    const lock = await TransferJournal.claim(journalPath, `s3://${bucket}/${key}`);
    const codes: unknown[] = [];
    try {
      for (const onUnfinished of ["resume", "restart", "fail"] as const) {
        const error = await upload({ ...connection, source: file, bucket, key, onUnfinished }).catch(
          (e: unknown) => e,
        );
        codes.push((error as TransferError).code);
      }
    } finally {
      await lock.release();
    }
    expect(codes).toEqual(["TRANSFER_RUNNING", "TRANSFER_RUNNING", "TRANSFER_RUNNING"]);
    // "restart" did not abort the running transfer's upload.
    expect(await inProgressUploads(client, bucket)).toEqual([uploadBefore]);
    const result = await upload({ ...connection, source: file, bucket, key, onUnfinished: "resume" });
    expect(result.partsResumed).toBeGreaterThanOrEqual(3);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });

  it("resume({ bucket, key }) and findTransfer find the transfer from its destination", async () => {
    const key = "nightly/by-destination.bin";
    const journalPath = await interruptedUpload(key);
    expect(await findTransfer({ bucket, key })).toMatchObject({ journalPath, state: "unfinished" });
    const result = await resume({ bucket, key }, connection);
    expect(result.partsResumed).toBeGreaterThanOrEqual(3);
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(fileSha);
    expect(await findTransfer({ bucket, key })).toBeUndefined();
  });

  it('onUnfinished "resume" with another source fails clearly, with the journal path and no CLI command', async () => {
    const key = "nightly/other-source.bin";
    const journalPath = await interruptedUpload(key);
    const other = join(scratch.dir, "other.bin");
    await randomFile(other, 6 * MiB);
    const error = await upload({
      ...connection,
      source: other,
      bucket,
      key,
      onUnfinished: "resume",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnfinishedTransferError);
    const refused = error as UnfinishedTransferError;
    expect(refused.journalPath).toBe(journalPath);
    expect(refused.message).toMatch(/another source \(it uploads the file .*backup\.bin\)/);
    expect(refused.message).toMatch(/resume\(\{ bucket, key \}\)/);
    expect(refused.message).not.toMatch(/s3xfer /);
    // The default refuses too, the same way: the library names library calls.
    const byDefault = await upload({ ...connection, source: file, bucket, key }).catch((e: unknown) => e);
    expect(byDefault).toBeInstanceOf(UnfinishedTransferError);
    expect((byDefault as Error).message).not.toMatch(/s3xfer /);
    // "restart" aborts the recorded upload and uploads the new source.
    const restarted = await upload({ ...connection, source: other, bucket, key, onUnfinished: "restart" });
    expect(restarted.size).toBe(6 * MiB);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
  });

  it("cp refuses by default with the CLI's ways out, and --on-unfinished restart starts over", async () => {
    const key = "nightly/cli.bin";
    await interruptedUpload(key);
    const url = `s3://${bucket}/${key}`;
    const refused = await runCli(["cp", file, url, "--no-progress"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /s3xfer resume s3:\/\/.*\/nightly\/cli\.bin.*--on-unfinished restart.*s3xfer abort/,
    );
    expect(refused.stderr).not.toMatch(/resume\(\{/);
    const restarted = await runCli([
      "cp",
      file,
      url,
      "--no-progress",
      "--on-unfinished",
      "restart",
      "--part-size",
      "5MiB",
    ]);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(fileSha);
    expect(await inProgressUploads(client, bucket)).toEqual([]);
    expect(await findTransfer({ bucket, key })).toBeUndefined();
  });
});
