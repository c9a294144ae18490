/**
 * The worker-thread side of a transfer: one task is one part (or one small object). The worker reads its own
 * byte range from the file, checksums it, and sends it with its own keep-alive S3Client, so part bytes never
 * cross threads and the main thread only schedules. Every outcome, success or failure, comes back as small
 * plain data; the coordinator decides about retries.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { workerData } from "piscina";
import type { FileHandle } from "node:fs/promises";
import { PutObjectCommand, UploadPartCommand, UploadPartCopyCommand } from "@aws-sdk/client-s3";
import { createHasher, toS3Base64, type ChecksumAlgorithm } from "../checksum/index.js";
import { classifyError } from "../s3/error-class.js";
import { copySourceSsecParams, ownershipParams, ssecParams, writeParams } from "../s3/object-attributes.js";
import { anyChecksum, checksumField, readChecksum } from "../s3/checksum-fields.js";
import { encodeCopySource } from "../s3/copy-source-header.js";
import { copySourceConditionParams } from "../s3/object-requests.js";
import { BufferPool, OpenFiles, SourceChangedError, checkIdentity, readFully } from "./file-ranges.js";
import { workerClient } from "./worker-clients.js";
import { getRange } from "./range-get.js";
import type {
  CopyPartTask,
  DigestPartTask,
  PartBody,
  PartOutcome,
  PartTask,
  PutObjectTask,
  UploadPartTask,
} from "./tasks.js";

/**
 * Part bytes a worker thread holds in memory at most. A part is read once into memory when this thread's
 * parts in flight all fit (16 MiB × 4 per thread at the defaults: 64 MiB); larger ones are hashed, then
 * streamed from the file, which reads them twice but holds ~1 MiB each (64 MiB × 8 per thread would hold
 * 512 MiB). Measured on 1 GiB against the null sink: in memory 2.6 CPU-s/GiB, streamed 3.8 at 16 MiB parts;
 * at 64 MiB × 16, 2.9 CPU-s/GiB and 1.18 GiB RSS in memory, 3.4 and 250 MiB streamed.
 */
export const IN_MEMORY_BYTES_PER_THREAD = 128 * 1024 * 1024;
/** Granularity of the body stream, and so of live progress. */
const CHUNK = 1024 * 1024;

/** Parts this thread runs at once, as its pool says (see PartPool); 1 if it does not say. */
const partsPerThread = Math.max(
  1,
  Number((workerData as { partsPerThread?: number } | undefined)?.partsPerThread) || 1,
);
/** Parts up to this size are read once into memory; larger ones are hashed, then streamed. */
export const IN_MEMORY_PART_LIMIT = Math.floor(IN_MEMORY_BYTES_PER_THREAD / partsPerThread);

const files = new OpenFiles();
const buffers = new BufferPool();

export default async function runPartTask(task: PartTask): Promise<PartOutcome> {
  const partNumber = task.kind === "put-object" ? 1 : task.partNumber;
  const started = performance.now();
  try {
    const result =
      task.kind === "copy-part"
        ? await copyPart(task)
        : task.kind === "digest-part"
          ? await digestPart(task)
          : task.kind === "get-range"
            ? await getRange(task)
            : await sendPart(task);
    return { ok: true, partNumber, durationMs: performance.now() - started, ...result };
  } catch (error) {
    return {
      ok: false,
      partNumber,
      error: classifyError(error),
      ...(error instanceof SourceChangedError ? { sourceChanged: true } : {}),
    };
  }
}

interface SentPart {
  etag: string;
  bytes: number;
  checksum?: string;
  checksumAcknowledged?: boolean;
  md5?: string;
  versionId?: string;
}

function reporter(task: PartTask): (sent: number) => void {
  if (!task.progress) return () => undefined;
  const counters = new BigInt64Array(task.progress.counters);
  const slot = task.progress.slot;
  return (sent) => Atomics.store(counters, slot, BigInt(sent));
}

function bodyLength(body: PartBody): number {
  return body.type === "bytes" ? body.data.length : body.end - body.start;
}

/** Streams `data` in chunks, reporting how much the HTTP request has consumed. */
function bufferBody(data: Uint8Array, report: (sent: number) => void): Readable {
  let offset = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      report(offset);
      if (offset >= data.length) {
        this.push(null);
        return;
      }
      const end = Math.min(offset + CHUNK, data.length);
      this.push(data.subarray(offset, end));
      offset = end;
    },
  });
}

/** Streams a file range chunk by chunk (for parts too large to hold in memory). */
function fileBody(
  handle: FileHandle,
  start: number,
  end: number,
  path: string,
  report: (sent: number) => void,
): Readable {
  let position = start;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      report(position - start);
      if (position >= end) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK, end - position);
      // A fresh buffer per chunk, read into directly: the HTTP request may still hold the previous ones.
      const view = Buffer.allocUnsafe(length);
      readFully(handle, view, position, path).then(
        () => {
          position += length;
          this.push(view);
        },
        (error: unknown) => this.destroy(error as Error),
      );
    },
  });
}

interface Digests {
  checksum?: string;
  md5?: string;
  md5Base64?: string;
}

/** The part checksum and, with Content-MD5 on, the part MD5, fed as the bytes are read. */
class PartDigests {
  private readonly hasher;
  private readonly md5;

  constructor(algorithm: ChecksumAlgorithm | undefined, md5: boolean) {
    this.hasher = algorithm ? createHasher(algorithm) : undefined;
    this.md5 = md5 ? createHash("md5") : undefined;
  }

  update(chunk: Uint8Array): this {
    this.hasher?.update(chunk);
    this.md5?.update(chunk);
    return this;
  }

  finish(): Digests {
    const digests: Digests = {};
    if (this.hasher) digests.checksum = toS3Base64(this.hasher.digest());
    if (this.md5) {
      const digest = this.md5.digest();
      digests.md5 = digest.toString("hex");
      digests.md5Base64 = digest.toString("base64");
    }
    return digests;
  }
}

/** Hashes a file range too large for memory by reading it through a small scratch buffer. */
async function digestFileRange(
  handle: FileHandle,
  start: number,
  end: number,
  path: string,
  digests: PartDigests,
): Promise<Digests> {
  // 1 MiB at a time: a thread hashing 8 parts at once held 64 MiB of scratch with 8 MiB.
  const scratch = buffers.take(CHUNK);
  try {
    for (let position = start; position < end;) {
      const view = scratch.subarray(0, Math.min(scratch.length, end - position));
      await readFully(handle, view, position, path);
      digests.update(view);
      position += view.length;
    }
    return digests.finish();
  } finally {
    buffers.give(scratch);
  }
}

async function digestPart(task: DigestPartTask): Promise<SentPart> {
  const { file, start, end } = task.body;
  const digests = await files.use(file.path, async (handle) => {
    await checkIdentity(handle, file);
    return digestFileRange(handle, start, end, file.path, new PartDigests(task.checksumAlgorithm, true));
  });
  return {
    etag: "",
    bytes: end - start,
    ...(digests.checksum ? { checksum: digests.checksum } : {}),
    md5: digests.md5!,
  };
}

/**
 * Reads (or takes) the part's bytes, checksums them and sends them. For a file, the identity is checked
 * before and after reading, so a file modified or truncated mid-transfer fails the part as SourceChanged
 * instead of uploading a mix of old and new bytes.
 */
async function sendPart(task: UploadPartTask | PutObjectTask): Promise<SentPart> {
  const report = reporter(task);
  const length = bodyLength(task.body);
  report(0);
  const body = task.body;
  if (body.type === "bytes") {
    const digests = new PartDigests(task.checksumAlgorithm, task.contentMd5).update(body.data).finish();
    return send(task, bufferBody(body.data, report), length, digests);
  }
  const file = body.file;
  return files.use(file.path, async (handle) => {
    await checkIdentity(handle, file);
    if (length <= IN_MEMORY_PART_LIMIT) {
      const buffer = buffers.take(length);
      try {
        const view = buffer.subarray(0, length);
        await readFully(handle, view, body.start, file.path);
        await checkIdentity(handle, file);
        const digests = new PartDigests(task.checksumAlgorithm, task.contentMd5).update(view).finish();
        return await send(task, bufferBody(view, report), length, digests);
      } finally {
        buffers.give(buffer);
      }
    }
    const digests = await digestFileRange(
      handle,
      body.start,
      body.end,
      file.path,
      new PartDigests(task.checksumAlgorithm, task.contentMd5),
    );
    const sent = await send(task, fileBody(handle, body.start, body.end, file.path, report), length, digests);
    await checkIdentity(handle, file);
    return sent;
  });
}

async function send(
  task: UploadPartTask | PutObjectTask,
  stream: Readable,
  length: number,
  digests: Digests,
): Promise<SentPart> {
  const client = workerClient(task.client, task.idleTimeoutMs);
  const common = {
    Bucket: task.bucket,
    Key: task.key,
    Body: stream,
    ContentLength: length,
    ...(digests.md5Base64 ? { ContentMD5: digests.md5Base64 } : {}),
    ...(task.checksumAlgorithm && digests.checksum
      ? checksumField(task.checksumAlgorithm, digests.checksum)
      : {}),
    ...ssecParams(task.sseCustomer),
    ...ownershipParams(task.ownership),
  };
  const result: SentPart = { etag: "", bytes: length };
  if (digests.checksum) result.checksum = digests.checksum;
  if (digests.md5) result.md5 = digests.md5;
  if (task.kind === "upload-part") {
    const response = await client.send(
      new UploadPartCommand({ ...common, UploadId: task.uploadId, PartNumber: task.partNumber }),
    );
    result.etag = response.ETag ?? "";
    if (task.checksumAlgorithm && readChecksum(task.checksumAlgorithm, response) === digests.checksum) {
      result.checksumAcknowledged = true;
    }
  } else {
    const response = await client.send(
      new PutObjectCommand({
        ...common,
        ...writeParams(task.attributes),
        ...(task.checksumAlgorithm ? { ChecksumAlgorithm: task.checksumAlgorithm } : {}),
        ...(task.ifNoneMatch ? { IfNoneMatch: task.ifNoneMatch } : {}),
      }),
    );
    result.etag = response.ETag ?? "";
    if (response.VersionId) result.versionId = response.VersionId;
    if (task.checksumAlgorithm && readChecksum(task.checksumAlgorithm, response) === digests.checksum) {
      result.checksumAcknowledged = true;
    }
  }
  return result;
}

async function copyPart(task: CopyPartTask): Promise<SentPart> {
  const client = workerClient(task.client, task.idleTimeoutMs);
  const request = (sourceKeyAsDestination: boolean) =>
    new UploadPartCopyCommand({
      Bucket: task.bucket,
      Key: task.key,
      UploadId: task.uploadId,
      PartNumber: task.partNumber,
      CopySource: encodeCopySource(task.source),
      CopySourceRange: `bytes=${task.start}-${task.end - 1}`,
      // Pins the part to the source we planned with (some servers ignore it; the coordinator re-checks).
      ...(task.source.etag ? { CopySourceIfMatch: task.source.etag } : {}),
      ...copySourceConditionParams(task.sourceConditions),
      ...ssecParams(task.sseCustomer ?? (sourceKeyAsDestination ? task.sourceSseCustomer : undefined)),
      ...copySourceSsecParams(task.sourceSseCustomer),
      ...(task.expectedSourceBucketOwner
        ? { ExpectedSourceBucketOwner: task.expectedSourceBucketOwner }
        : {}),
      ...ownershipParams(task.ownership),
    });
  let response;
  try {
    response = await client.send(request(false));
  } catch (error) {
    // Ceph 16 refuses UploadPartCopy from an SSE-C source unless the destination-style SSE-C headers are
    // sent too, even for an unencrypted destination (whose part it then stores unencrypted). Only that
    // exact refusal is answered by sending them.
    const info = classifyError(error);
    if (!(
      task.sourceSseCustomer &&
      !task.sseCustomer &&
      info.httpStatus === 400 &&
      /customer provided keys/i.test(info.message)
    )) {
      throw error;
    }
    response = await client.send(request(true));
  }
  const part = response.CopyPartResult;
  const result: SentPart = { etag: normalizeEtag(part?.ETag ?? ""), bytes: task.end - task.start };
  const checksum = anyChecksum(part)?.value;
  if (checksum) {
    result.checksum = checksum;
    result.checksumAcknowledged = true;
  }
  return result;
}

/** Ceph returns copy ETags unquoted; S3 quotes them. Keep one form everywhere. */
function normalizeEtag(etag: string): string {
  return etag === "" || etag.startsWith('"') ? etag : `"${etag}"`;
}
