/**
 * The worker side of a download: one task is one byte range. The worker sends the ranged GetObject itself
 * (pinned to the planned object with If-Match and the version id), checksums the bytes as they arrive and
 * writes them at their offset in the partial file with positional writes, so object bytes never cross
 * threads. For a download to a stream the bytes go into shared memory the coordinator hands out instead.
 */
import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import type { Readable } from "node:stream";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { createHasher, toS3Base64 } from "../checksum/index.js";
import { classifyError } from "../s3/error-class.js";
import { ownershipParams, ssecParams } from "../s3/object-attributes.js";
import { SourceChangedError } from "./file-ranges.js";
import type { GetRangeTask } from "./tasks.js";
import { workerClient } from "./worker-clients.js";

/** Bytes gathered before one positional write: few syscalls, little memory per range in flight. */
const WRITE_BATCH = 1024 * 1024;

export interface ReceivedRange {
  etag: string;
  bytes: number;
  checksum?: string;
  md5?: string;
}

/** Writes arriving bytes at increasing offsets, in batches. */
interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<void>;
}

function memorySink(data: Uint8Array, length: number): Sink {
  let offset = 0;
  return {
    write(chunk) {
      if (offset + chunk.length > length) throw new RangeError("the server sent more bytes than the range");
      data.set(chunk, offset);
      offset += chunk.length;
      return Promise.resolve();
    },
    finish: () => Promise.resolve(),
  };
}

function fileSink(handle: FileHandle, start: number): Sink {
  const batch = Buffer.allocUnsafe(WRITE_BATCH);
  let filled = 0;
  let position = start;
  const flush = async () => {
    let written = 0;
    while (written < filled) {
      const { bytesWritten } = await handle.write(batch, written, filled - written, position + written);
      written += bytesWritten;
    }
    position += filled;
    filled = 0;
  };
  return {
    async write(chunk) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(chunk.length - offset, WRITE_BATCH - filled);
        batch.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === WRITE_BATCH) await flush();
      }
    },
    finish: flush,
  };
}

export async function getRange(task: GetRangeTask): Promise<ReceivedRange> {
  const length = task.end - task.start;
  const counters = task.progress ? new BigInt64Array(task.progress.counters) : undefined;
  const report = (received: number) => {
    if (counters) Atomics.store(counters, task.progress!.slot, BigInt(received));
  };
  report(0);
  const client = workerClient(task.client, task.idleTimeoutMs);
  let response;
  try {
    response = await client.send(
      new GetObjectCommand({
        Bucket: task.bucket,
        Key: task.key,
        ...(task.versionId ? { VersionId: task.versionId } : {}),
        Range: `bytes=${task.start}-${task.end - 1}`,
        // The object we planned with, or nothing: a range of a newer object would make a file of two versions.
        IfMatch: task.etag,
        ...ssecParams(task.sseCustomer),
        ...ownershipParams(task.ownership),
      }),
    );
  } catch (error) {
    const info = classifyError(error);
    if (info.httpStatus === 412 || info.code === "PreconditionFailed") {
      throw new SourceChangedError(`the object no longer has ETag ${task.etag}`);
    }
    throw error;
  }
  const body = response.Body as Readable | undefined;
  if (response.ETag !== undefined && unquote(response.ETag) !== unquote(task.etag)) {
    body?.destroy();
    // A server that ignores If-Match still says which object it sent.
    throw new SourceChangedError(`the object's ETag changed from ${task.etag} to ${response.ETag}`);
  }
  if (response.ContentLength !== undefined && response.ContentLength !== length) {
    body?.destroy();
    throw new Error(
      `the server sent ${response.ContentLength} bytes for range ${task.start}-${task.end - 1} (${length} expected)`,
    );
  }
  if (!body) throw new Error("GetObject returned no body");
  const hasher = task.checksumAlgorithm ? createHasher(task.checksumAlgorithm) : undefined;
  const md5 = task.md5 ? createHash("md5") : undefined;
  const handle = task.target.type === "file" ? await open(task.target.path, "r+") : undefined;
  try {
    const sink = handle
      ? fileSink(handle, task.start)
      : memorySink((task.target as { data: Uint8Array }).data, length);
    let received = 0;
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      if (received + chunk.length > length)
        throw new Error("the server sent more bytes than the range holds");
      hasher?.update(chunk);
      md5?.update(chunk);
      await sink.write(chunk);
      received += chunk.length;
      report(received);
    }
    if (received !== length) {
      // A connection cut mid-body: retried like any transient failure.
      const error = new Error(`the response ended after ${received} of ${length} bytes`);
      error.name = "ERR_STREAM_PREMATURE_CLOSE";
      throw error;
    }
    await sink.finish();
  } finally {
    body.destroy();
    await handle?.close();
  }
  return {
    etag: response.ETag ?? task.etag,
    bytes: length,
    ...(hasher ? { checksum: toS3Base64(hasher.digest()) } : {}),
    ...(md5 ? { md5: md5.digest("hex") } : {}),
  };
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, "");
}
