// The transfer lifecycle's decisions, through an injected S3 client and part runner (test/support/memory-s3.ts):
// journal before Create, keep vs abort, adoption, completed-before-crash, verification, and resume on AWS's
// checksum rules. No server, no threads: every case is deterministic and fast.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copy, resume, upload, TransferError, type ChecksumAlgorithm } from "../../src/index.js";
import { parseJournal } from "../../src/journal/format.js";
import { MemoryS3, S3Fault } from "../support/memory-s3.js";

// Parts of 64 KiB (the test limits allow it): the reference checksums are pure JS and slow on MiBs.
const PART = 64 * 1024;
let dir: string;
let file: string;
let data: Buffer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3xfer-job-"));
  file = join(dir, "data.bin");
  // Deterministic bytes: 2 full parts and a short third one.
  data = Buffer.alloc(2 * PART + 7);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  await writeFile(file, data);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(s3: MemoryS3, extra: Record<string, unknown> = {}) {
  return {
    source: file,
    bucket: "b",
    key: "k",
    client: s3.client(),
    partSize: PART,
    multipartThreshold: PART,
    limits: { minPartSize: 1024 },
    journal: join(dir, "journal.jsonl"),
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    ...extra,
  };
}

async function journalLines(path: string) {
  return parseJournal(await readFile(path, "utf8"));
}

describe("the transfer job", () => {
  it("writes the journal before CreateMultipartUpload, then the upload id, parts and completion", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    const path = join(dir, "journal.jsonl");
    let journalAtCreate: string | undefined;
    s3.onRequest = async (command) => {
      if (command === "CreateMultipartUpload") journalAtCreate = await readFile(path, "utf8");
    };
    const result = await upload(options(s3, { keepJournal: true }), { runner: s3.runner() });
    expect(journalAtCreate).toBeDefined();
    expect(JSON.parse(journalAtCreate!.trim()).type).toBe("header");
    const journal = await journalLines(path);
    expect(journal.header.uploadId).toBe("upload-1");
    expect(journal.parts.size).toBe(3);
    expect(journal.end?.type).toBe("completed");
    expect(result.verified.checksum).toBe("ok");
    expect(s3.objects.get("k")!.body.equals(data)).toBe(true);
  });

  it.each(["CRC64NVME", "CRC32", "CRC32C", "SHA1", "SHA256"] as ChecksumAlgorithm[])(
    "on AWS's rules, a resumed %s upload lists every part's checksum in Complete (parts from before the crash included)",
    async (algorithm) => {
      const s3 = new MemoryS3({ awsChecksums: true });
      const runner = s3.runner();
      // First run: part 3 fails for good after parts 1 and 2 are sent; --keep-on-error keeps the upload.
      s3.faults = [
        (command, input) =>
          command === "UploadPart" && input.PartNumber === 3 ? new S3Fault("AccessDenied", 403) : undefined,
      ];
      await expect(
        upload(options(s3, { checksumAlgorithm: algorithm, keepOnError: true, concurrency: 1 }), { runner }),
      ).rejects.toThrow(/can be resumed/);
      expect(s3.uploads.size).toBe(1);
      s3.faults = [];
      const result = await resume(
        join(dir, "journal.jsonl"),
        { client: s3.client() },
        { runner: s3.runner() },
      );
      expect(result.partsResumed).toBe(2);
      expect(result.partsSent).toBe(1);
      expect(result.verified.checksum).toBe("ok");
      const complete = s3.requests.find((r) => r.command === "CompleteMultipartUpload")!;
      const parts = (complete.input.MultipartUpload as { Parts: Record<string, unknown>[] }).Parts;
      expect(parts.every((p) => typeof p[`Checksum${algorithm}`] === "string")).toBe(true);
      expect(s3.objects.get("k")!.body.equals(data)).toBe(true);
    },
  );

  it("removes the journal of a completed, verified transfer unless asked to keep it", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    const result = await upload(options(s3), { runner: s3.runner() });
    expect(existsSync(join(dir, "journal.jsonl"))).toBe(false);
    expect(result.journalPath).toBeUndefined();
    const kept = await upload(options(s3, { keepJournal: true, key: "k2" }), { runner: s3.runner() });
    expect(kept.journalPath).toBe(join(dir, "journal.jsonl"));
    expect((await journalLines(kept.journalPath!)).end?.type).toBe("completed");
  });

  it("reports a completed journal as done only while the object is still the one it recorded", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    const path = join(dir, "journal.jsonl");
    await upload(options(s3, { keepJournal: true }), { runner: s3.runner() });
    const again = await resume(path, { client: s3.client() }, { runner: s3.runner() });
    expect(again.notes.join("\n")).toMatch(/already completed .*still the one it recorded/);
    s3.objects.delete("k");
    const error = (await resume(path, { client: s3.client() }, { runner: s3.runner() }).catch(
      (e: unknown) => e,
    )) as TransferError;
    expect(error.code).toBe("NOTHING_TO_RESUME");
    expect(error.message).toMatch(/but the object is gone; nothing to resume/);
    expect(error.exitCode).toBe(1);
  });

  it("lets only one process run a transfer: a second claim on the journal is refused with the owner's pid", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    const path = join(dir, "journal.jsonl");
    s3.faults = [
      (command, input) =>
        command === "UploadPart" && input.PartNumber === 2 ? new S3Fault("AccessDenied", 403) : undefined,
    ];
    await upload(options(s3, { keepOnError: true }), { runner: s3.runner() }).catch(() => undefined);
    s3.faults = [];
    let second: unknown;
    s3.onRequest = async (command) => {
      // While the first resume runs, a second one (and a new upload to the same key) must refuse at once.
      if (command === "ListParts" && second === undefined) {
        second = await resume(path, { client: s3.client() }, { runner: s3.runner() }).catch(
          (e: unknown) => e,
        );
        const third = await upload(options(s3), { runner: s3.runner() }).catch((e: unknown) => e);
        expect((third as TransferError).message).toMatch(new RegExp(`being run by pid ${process.pid}`));
      }
    };
    const first = await resume(path, { client: s3.client() }, { runner: s3.runner() });
    expect(first.partsSent).toBe(1);
    expect((second as TransferError).code).toBe("TRANSFER_RUNNING");
    expect((second as TransferError).exitCode).toBe(2);
    expect((second as TransferError).message).toMatch(new RegExp(`being run by pid ${process.pid}`));
  });

  it("leaves part checksums out of Complete only for a server that never acknowledged one", async () => {
    const s3 = new MemoryS3({ awsChecksums: false });
    const result = await upload(options(s3), { runner: s3.runner() });
    const complete = s3.requests.find((r) => r.command === "CompleteMultipartUpload")!;
    const parts = (complete.input.MultipartUpload as { Parts: Record<string, unknown>[] }).Parts;
    expect(parts.some((p) => "ChecksumCRC64NVME" in p)).toBe(false);
    expect(result.verified.checksum).toBe("not verifiable by server");
    expect(result.verified.summary).toMatch(/ignored the part checksums/);
  });

  it("keeps the upload and journal after a transient failure, and aborts after a permanent one", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    s3.faults = [
      (command, input) =>
        command === "UploadPart" && input.PartNumber === 2 ? new S3Fault("InternalError", 500) : undefined,
    ];
    const kept = await upload(options(s3, { retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } }), {
      runner: s3.runner(),
    }).catch((e: unknown) => e);
    expect(kept).toBeInstanceOf(TransferError);
    expect((kept as TransferError).journalPath).toBe(join(dir, "journal.jsonl"));
    expect(s3.uploads.size).toBe(1);
    expect((await journalLines(join(dir, "journal.jsonl"))).end).toBeUndefined();

    const s3b = new MemoryS3({ awsChecksums: true });
    s3b.faults = [
      (command, input) =>
        command === "UploadPart" && input.PartNumber === 2 ? new S3Fault("AccessDenied", 403) : undefined,
    ];
    const path = join(dir, "j2.jsonl");
    const aborted = await upload(options(s3b, { journal: path }), { runner: s3b.runner() }).catch(
      (e: unknown) => e,
    );
    expect((aborted as TransferError).message).toMatch(/was aborted, nothing was left/);
    expect(s3b.uploads.size).toBe(0);
    expect((await journalLines(path)).end?.type).toBe("aborted");
  });

  it("records aborted only when the abort happened: a failed abort keeps the journal resumable", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    s3.faults = [
      (command, input) =>
        command === "UploadPart" && input.PartNumber === 2 ? new S3Fault("AccessDenied", 403) : undefined,
      (command) => (command === "AbortMultipartUpload" ? new S3Fault("InternalError", 500) : undefined),
    ];
    const error = (await upload(options(s3, { retry: { maxAttempts: 1 } }), { runner: s3.runner() }).catch(
      (e: unknown) => e,
    )) as TransferError;
    expect(error.message).toMatch(/still on the server/);
    expect(error.journalPath).toBe(join(dir, "journal.jsonl"));
    expect(s3.uploads.size).toBe(1);
    expect((await journalLines(join(dir, "journal.jsonl"))).end).toBeUndefined();
  });

  it("adopts the upload a lost CreateMultipartUpload reply made, instead of orphaning it", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    let lost = false;
    // The server creates the upload, then the answer is lost on the way back.
    s3.onRequest = async (command, input) => {
      if (command === "CreateMultipartUpload" && !lost) {
        lost = true;
        await s3.handle("CreateMultipartUpload", input);
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
    };
    const result = await upload(options(s3), { runner: s3.runner() });
    // The upload the lost request made is the one completed; no second one was created.
    expect(result.uploadId).toBe("upload-1");
    expect(result.notes.join("\n")).toMatch(/adopted upload upload-1/);
    expect(s3.requests.some((r) => r.command === "ListMultipartUploads")).toBe(true);
    expect(s3.uploads.size).toBe(0);
  });

  it("removes the journal of a transfer whose upload was never created", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    s3.faults = [
      (command) => (command === "CreateMultipartUpload" ? new S3Fault("NoSuchBucket", 404) : undefined),
    ];
    await expect(upload(options(s3), { runner: s3.runner() })).rejects.toThrow(/does not exist/);
    expect(existsSync(join(dir, "journal.jsonl"))).toBe(false);
  });

  it("on resume, adopts an upload created just before a crash that cut off the journal's upload line", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    const path = join(dir, "journal.jsonl");
    s3.faults = [
      (command, input) =>
        command === "UploadPart" && input.PartNumber === 1 ? new S3Fault("AccessDenied", 403) : undefined,
    ];
    await upload(options(s3, { keepOnError: true, concurrency: 1 }), { runner: s3.runner() }).catch(
      () => undefined,
    );
    // Cut the journal back to its header, as a crash right after Create would have left it.
    const text = await readFile(path, "utf8");
    await writeFile(path, `${text.split("\n")[0]}\n`);
    s3.faults = [];
    const result = await resume(path, { client: s3.client() }, { runner: s3.runner() });
    expect(result.uploadId).toBe("upload-1");
    expect(result.notes.join("\n")).toMatch(/adopted upload upload-1, created just before the interruption/);
    expect(s3.objects.get("k")!.body.equals(data)).toBe(true);
  });

  it("recognises an upload that completed just before the crash", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    const path = join(dir, "journal.jsonl");
    await upload(options(s3, { keepJournal: true }), { runner: s3.runner() });
    // As if the process died after Complete, before the journal's `completed` line.
    const text = await readFile(path, "utf8");
    await writeFile(path, `${text.trimEnd().split("\n").slice(0, -1).join("\n")}\n`);
    const result = await resume(path, { client: s3.client() }, { runner: s3.runner() });
    expect(result.verified.etag).toBe("ok");
    expect(result.partsSent).toBe(0);
    expect((await journalLines(path)).end?.type).toBe("completed");
  });

  it("fails with VERIFICATION_FAILED when the object is not what was sent", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    s3.onRequest = (command) => {
      if (command === "HeadObject") s3.objects.get("k")!.body = Buffer.alloc(1);
    };
    const error = (await upload(options(s3), { runner: s3.runner() }).catch(
      (e: unknown) => e,
    )) as TransferError;
    expect(error.code).toBe("VERIFICATION_FAILED");
  });

  it("reports a HEAD that cannot run after Complete as an unverified success, not a failed transfer", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    s3.faults = [(command) => (command === "HeadObject" ? new S3Fault("InvalidArgument", 400) : undefined)];
    const result = await upload(options(s3, { retry: { maxAttempts: 1 } }), { runner: s3.runner() });
    expect(result.verified.unavailable).toMatch(/HeadObject after the write/);
    expect(result.verified.size).toBe("not checked");
    expect(s3.objects.get("k")!.body.equals(data)).toBe(true);
  });

  it("copies an object with CopyObject, sending the requested checksum algorithm", async () => {
    const s3 = new MemoryS3({ awsChecksums: true });
    s3.objects.set("src", {
      body: Buffer.from("hello"),
      etag: '"5d41402abc4b2a76b9719d911017c592"',
      lastModified: new Date(),
    });
    const calls: Record<string, unknown>[] = [];
    s3.onRequest = (command, input) => {
      if (command === "CopyObject") {
        calls.push(input);
        s3.objects.set("k", { ...s3.objects.get("src")! });
        throw new Error("stop here");
      }
    };
    await copy(
      {
        source: { bucket: "b", key: "src" },
        bucket: "b",
        key: "k",
        client: s3.client(),
        checksumAlgorithm: "CRC32",
      },
      { runner: s3.runner() },
    ).catch(() => undefined);
    expect(calls[0]?.ChecksumAlgorithm).toBe("CRC32");
  });
});
