import { stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import type { Readable } from "node:stream";
import type { ChecksumAlgorithm } from "../checksum/index.js";
import { multipartEtag } from "../checksum/index.js";
import { TransferError, UsageError } from "../errors.js";
import { planUpload, type TransferPlan, partRanges } from "../planner/index.js";
import { createMainClient, resolveWorkerSettings } from "../s3/client-settings.js";
import { guessContentType } from "../s3/content-type.js";
import type { ObjectAttributes } from "../s3/object-attributes.js";
import { PartPool } from "../workers/pool.js";
import type { FileIdentity, PartBody, PartTask } from "../workers/tasks.js";
import { AdaptiveConcurrency } from "./concurrency.js";
import {
  abortUpload,
  checksumTypeFor,
  completeUpload,
  createUpload,
  headObject,
  objectChecksum,
  type Destination,
} from "./multipart.js";
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  checkEncryptionOptions,
  checkLocation,
  resolveAlgorithm,
  resolveConcurrency,
  resolveRetry,
  resolveSseCustomerKey,
  type CommonTransferOptions,
} from "./options.js";
import type { TransferResult } from "./result.js";
import { PartProgress, runParts, type PartDone, type PartJob, type RunPartsSummary } from "./run-parts.js";
import { explainS3Error } from "./s3-errors.js";
import { TransferEvents } from "./session.js";
import { StreamParts } from "./stream-parts.js";
import { unquote, verifyObject } from "./verify.js";

export interface UploadOptions extends CommonTransferOptions {
  /** A file path, or a readable stream (stdin) of unknown length. */
  source: string | Readable;
  /** With Content-MD5 on every part the server checks each part, and we check the final ETag. */
  contentMd5?: boolean;
  /** For a stream: the size to plan the parts for (the stream may not exceed what the plan reaches). */
  expectedSize?: number;
}

/** Everything one upload needs, resolved once. */
interface UploadContext {
  options: UploadOptions;
  dest: Destination;
  attributes: ObjectAttributes;
  algorithm: ChecksumAlgorithm | null;
  events: TransferEvents;
  pool: PartPool;
  concurrency: AdaptiveConcurrency;
  taskBase: () => Promise<Pick<PartTask, "client" | "bucket" | "key" | "idleTimeoutMs"> & { ownership: Destination["ownership"] }>;
  sourceName: string;
}

/**
 * Uploads a file or a stream to s3://bucket/key: one PutObject below the multipart threshold, otherwise a
 * multipart upload whose parts are read, checksummed and sent by worker threads. The object exists only if
 * every part made it; on failure or cancellation the multipart upload is aborted.
 */
export async function upload(options: UploadOptions): Promise<TransferResult> {
  checkLocation(options.bucket, options.key);
  checkEncryptionOptions(options);
  const maxConcurrency = resolveConcurrency(options.concurrency);
  const algorithm = resolveAlgorithm(options.checksumAlgorithm);
  const sseCustomer = resolveSseCustomerKey(options.sseCustomerKey);
  const file = typeof options.source === "string" ? await fileIdentity(options.source) : undefined;
  const planOptions = {
    ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
    strictPartSize: options.strictPartSize ?? false,
    ...(options.multipartThreshold !== undefined ? { multipartThreshold: options.multipartThreshold } : {}),
    forceMultipart: options.forceMultipart ?? false,
    ...(options.expectedSize !== undefined ? { expectedSize: options.expectedSize } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  };
  const plan = planUpload(file ? file.size : null, planOptions);

  const client = createMainClient(options);
  const dest: Destination = {
    client,
    bucket: options.bucket,
    key: options.key,
    ownership: {
      ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
      ...(options.expectedBucketOwner ? { expectedBucketOwner: options.expectedBucketOwner } : {}),
    },
    ...(sseCustomer ? { sseCustomer } : {}),
  };
  const attributes: ObjectAttributes = {
    ...pickAttributes(options),
    contentType: options.contentType ?? (file ? guessContentType(file.path) : "application/octet-stream"),
  };
  const concurrency = new AdaptiveConcurrency(maxConcurrency);
  const events = new TransferEvents(options);
  const pool = new PartPool({ concurrency: maxConcurrency, ...(options.threads ? { threads: options.threads } : {}) });
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const context: UploadContext = {
    options,
    dest,
    attributes,
    algorithm,
    events,
    pool,
    concurrency,
    sourceName: file ? file.path : "(stream)",
    taskBase: async () => ({
      client: await resolveWorkerSettings(client),
      bucket: options.bucket,
      key: options.key,
      ownership: dest.ownership,
      idleTimeoutMs,
    }),
  };
  try {
    if (file) {
      return plan.kind === "multipart"
        ? await uploadMultipart(context, plan, fileJobs(context, plan, file), plan.objectSize!)
        : await uploadSingle(context, plan, { type: "file", file, start: 0, end: file.size });
    }
    return await uploadStream(context, plan, options.source as Readable);
  } catch (error) {
    // A cancelled transfer fails with whatever the caller aborted with, not the pool's AbortError.
    const cause = options.signal?.aborted && !(error instanceof TransferError) ? options.signal.reason : error;
    const failure = explainS3Error(cause, { bucket: options.bucket, key: options.key }, "the upload");
    events.emit({
      type: "error",
      code: failure.code,
      message: failure.message,
      bucket: options.bucket,
      key: options.key,
      ...(failure.uploadId ? { uploadId: failure.uploadId } : {}),
      ...(failure.partNumber ? { partNumber: failure.partNumber } : {}),
    });
    throw failure;
  } finally {
    events.stop();
    await pool.destroy();
    if (!options.client) client.destroy();
  }
}

async function fileIdentity(path: string): Promise<FileIdentity> {
  const absolute = resolvePath(path);
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "cannot be read (permission denied)" : `cannot be read (${code})`;
    throw new UsageError("SOURCE_NOT_FOUND", `source file ${path} ${why}: check the path`);
  }
  if (info.isDirectory()) {
    throw new UsageError("USAGE", `source ${path} is a directory: s3xfer cp copies one file; name a file`);
  }
  if (!info.isFile()) {
    throw new UsageError("USAGE", `source ${path} is not a regular file: for a pipe or device use "-" and stdin`);
  }
  try {
    const { access, constants } = await import("node:fs/promises");
    await access(absolute, constants.R_OK);
  } catch {
    throw new UsageError("SOURCE_UNREADABLE", `source file ${path} cannot be read (permission denied)`);
  }
  return { path: absolute, size: info.size, mtimeMs: info.mtimeMs };
}

function pickAttributes(options: UploadOptions): ObjectAttributes {
  const keys: (keyof ObjectAttributes)[] = [
    "contentEncoding",
    "contentLanguage",
    "contentDisposition",
    "cacheControl",
    "expires",
    "metadata",
    "tagging",
    "storageClass",
    "acl",
    "sse",
  ];
  const attributes: Record<string, unknown> = {};
  for (const key of keys) if (options[key] !== undefined) attributes[key] = options[key];
  return attributes as ObjectAttributes;
}

function* fileJobs(context: UploadContext, plan: TransferPlan, file: FileIdentity): Generator<PartJob> {
  for (const range of partRanges(plan)) {
    yield {
      partNumber: range.partNumber,
      bytes: range.size,
      task: async (progress) => ({
        ...(await context.taskBase()),
        kind: "upload-part",
        uploadId: "",
        partNumber: range.partNumber,
        body: { type: "file", file, start: range.start, end: range.end },
        ...(context.algorithm ? { checksumAlgorithm: context.algorithm } : {}),
        contentMd5: context.options.contentMd5 ?? false,
        ...(context.dest.sseCustomer ? { sseCustomer: context.dest.sseCustomer } : {}),
        progress,
      }),
    };
  }
}

/** Reads the stream part by part; a stream that fits below the threshold becomes one PutObject. */
async function uploadStream(context: UploadContext, plan: TransferPlan, stream: Readable): Promise<TransferResult> {
  const parts = new StreamParts(stream, plan.partSize, context.concurrency.max + 1);
  const first = await parts.next(1);
  const threshold = context.options.multipartThreshold ?? 16 * 1024 * 1024;
  if (parts.done && (first?.length ?? 0) < threshold && !context.options.forceMultipart) {
    const data = first ?? new Uint8Array(0);
    const single = { ...plan, kind: data.length === 0 ? ("empty" as const) : ("single" as const), objectSize: data.length };
    return uploadSingle(context, single, { type: "bytes", data });
  }
  const maxParts = plan.maxObjectSize / plan.partSize;
  async function* jobs(): AsyncGenerator<PartJob> {
    let data = first;
    for (let partNumber = 1; data; partNumber++) {
      if (partNumber > maxParts) {
        throw new UsageError(
          "OBJECT_TOO_LARGE",
          `the stream is larger than ${plan.maxObjectSize} bytes, the most ${maxParts} parts of ${plan.partSize} bytes can hold: ` +
            `pass --expected-size (or a larger --part-size)`,
        );
      }
      const bytes = data;
      yield {
        partNumber,
        bytes: bytes.length,
        task: async (progress) => ({
          ...(await context.taskBase()),
          kind: "upload-part",
          uploadId: "",
          partNumber,
          body: { type: "bytes", data: bytes },
          ...(context.algorithm ? { checksumAlgorithm: context.algorithm } : {}),
          contentMd5: context.options.contentMd5 ?? false,
          ...(context.dest.sseCustomer ? { sseCustomer: context.dest.sseCustomer } : {}),
          progress,
        }),
      };
      data = await parts.next(partNumber + 1);
    }
  }
  return uploadMultipart(context, plan, jobs(), null, parts);
}

/** One PutObject (or an empty one), sent by a worker like a part, retried like a part. */
async function uploadSingle(context: UploadContext, plan: TransferPlan, body: PartBody): Promise<TransferResult> {
  const { options, events, concurrency, dest, algorithm } = context;
  const size = body.type === "bytes" ? body.data.length : body.end - body.start;
  const progress = new PartProgress(1);
  events.emit(startEvent(context, plan, size, "single"));
  events.track(progress, () => ({ totalBytes: size, partCount: 1 }), concurrency);
  const job: PartJob = {
    partNumber: 1,
    bytes: size,
    task: async (slot) => ({
      ...(await context.taskBase()),
      kind: "put-object",
      body,
      ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
      contentMd5: options.contentMd5 ?? false,
      attributes: context.attributes,
      ...(dest.sseCustomer ? { sseCustomer: dest.sseCustomer } : {}),
      progress: slot,
    }),
  };
  const summary = await runParts([job], {
    pool: context.pool,
    concurrency,
    retry: resolveRetry(options.retry),
    location: { bucket: dest.bucket, key: dest.key },
    emit: events.emit,
    progress,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  events.stop(progress, { totalBytes: size, partCount: 1 }, concurrency);
  const part = summary.parts[0]!;
  const head = await headObject(dest, part.versionId);
  const verified = verifyObject(head, {
    bucket: dest.bucket,
    key: dest.key,
    size,
    algorithm,
    checksum: part.checksum ?? null,
    ...(part.md5 && etagIsMd5(context) ? { etag: part.md5 } : {}),
    etagMismatchIsError: true,
  });
  return result(context, {
    request: "single",
    size,
    plan,
    etag: head.ETag ?? part.etag,
    versionId: part.versionId ?? head.VersionId,
    summary,
    checksum: part.checksum ?? null,
    checksumType: algorithm ? "FULL_OBJECT" : null,
    verified,
  });
}

/** SSE-KMS and SSE-C objects have ETags that are not the MD5 of their bytes. */
function etagIsMd5(context: UploadContext): boolean {
  return !context.dest.sseCustomer && context.attributes.sse?.mode !== "aws:kms";
}

async function uploadMultipart(
  context: UploadContext,
  plan: TransferPlan,
  jobs: Iterable<PartJob> | AsyncIterable<PartJob>,
  size: number | null,
  stream?: StreamParts,
): Promise<TransferResult> {
  const { options, events, concurrency, dest, algorithm } = context;
  const uploadId = await createUpload(dest, context.attributes, algorithm, options.signal);
  const location = { bucket: dest.bucket, key: dest.key, uploadId };
  const progress = new PartProgress(concurrency.max);
  const totals = () => ({
    totalBytes: size ?? (stream?.done ? stream.bytesRead : null),
    partCount: plan.partCount ?? (stream?.done ? Math.max(1, Math.ceil(stream.bytesRead / plan.partSize)) : null),
  });
  events.emit(startEvent(context, plan, size, "multipart", uploadId));
  events.track(progress, totals, concurrency);
  let summary: RunPartsSummary;
  let completed: { etag: string; versionId?: string };
  let objectSize: number;
  let checksum: string | null;
  try {
    summary = await runParts(withUploadId(jobs, uploadId), {
      pool: context.pool,
      concurrency,
      retry: resolveRetry(options.retry),
      location,
      emit: events.emit,
      progress,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(stream ? { onPart: (part: PartDone) => stream.release(part.partNumber) } : {}),
    });
    objectSize = size ?? stream!.bytesRead;
    checksum = objectChecksum(algorithm, summary.parts);
    completed = await completeUpload(dest, uploadId, summary.parts, algorithm, checksum, objectSize);
  } catch (error) {
    events.stop();
    const aborted = await abortUpload(dest, uploadId);
    const cause = options.signal?.aborted ? options.signal.reason : error;
    throw withAbortNote(explainS3Error(cause, location, "the upload"), aborted, location);
  }
  events.stop(progress, totals(), concurrency);
  const head = await headObject(dest, completed.versionId);
  const expectedEtag =
    options.contentMd5 && etagIsMd5(context) && summary.parts.every((p) => p.md5)
      ? multipartEtag(summary.parts.map((p) => Buffer.from(p.md5!, "hex")))
      : undefined;
  const verified = verifyObject(head, {
    bucket: dest.bucket,
    key: dest.key,
    size: objectSize,
    algorithm,
    checksum,
    ...(expectedEtag ? { etag: expectedEtag } : {}),
    etagMismatchIsError: true,
  });
  return result(context, {
    request: "multipart",
    size: objectSize,
    plan,
    // Some servers (this Ceph) complete with an empty ETag: the HEAD has the real one.
    etag: completed.etag || head.ETag || "",
    versionId: completed.versionId ?? head.VersionId,
    summary,
    checksum,
    checksumType: checksumTypeFor(algorithm),
    verified,
    uploadId,
  });
}

async function* withUploadId(jobs: Iterable<PartJob> | AsyncIterable<PartJob>, uploadId: string): AsyncGenerator<PartJob> {
  for await (const job of jobs) {
    yield {
      ...job,
      task: async (progress) => {
        const task = await job.task(progress);
        return task.kind === "upload-part" ? { ...task, uploadId } : task;
      },
    };
  }
}

function withAbortNote(error: TransferError, aborted: boolean, location: { bucket: string; key: string; uploadId: string }): TransferError {
  if (aborted) {
    return new TransferError(error.code, `${stripLocation(error.message)}; the multipart upload was aborted, nothing was left on the server`, { ...location, ...(error.partNumber ? { partNumber: error.partNumber } : {}) }, { cause: error.cause ?? error, exitCode: error.exitCode });
  }
  return new TransferError(
    error.code,
    `${stripLocation(error.message)}; aborting the multipart upload failed too: remove it with "s3xfer abort s3://${location.bucket}/${location.key} --upload-id ${location.uploadId}" or "aws s3api abort-multipart-upload"`,
    { ...location, ...(error.partNumber ? { partNumber: error.partNumber } : {}) },
    { cause: error.cause ?? error, exitCode: error.exitCode },
  );
}

/** Messages carry their location in a trailing "(s3://…)"; a re-wrapped error gets it once. */
function stripLocation(message: string): string {
  return message.replace(/ \(s3:\/\/[^)]*\)$/, "");
}

function startEvent(
  context: UploadContext,
  plan: TransferPlan,
  size: number | null,
  request: "single" | "multipart",
  uploadId?: string,
) {
  return {
    type: "start" as const,
    operation: "upload" as const,
    bucket: context.dest.bucket,
    key: context.dest.key,
    source: context.sourceName,
    size,
    request,
    partSize: plan.partSize,
    partCount: request === "single" ? 1 : plan.partCount,
    concurrency: context.concurrency.max,
    checksumAlgorithm: context.algorithm,
    ...(uploadId ? { uploadId } : {}),
    notes: plan.adjustments,
  };
}

function result(
  context: UploadContext,
  r: {
    request: "single" | "multipart";
    size: number;
    plan: TransferPlan;
    etag: string;
    versionId: string | undefined;
    summary: RunPartsSummary;
    checksum: string | null;
    checksumType: "FULL_OBJECT" | "COMPOSITE" | null;
    verified: TransferResult["verified"];
    uploadId?: string;
  },
): TransferResult {
  const out: TransferResult = {
    operation: "upload",
    bucket: context.dest.bucket,
    key: context.dest.key,
    etag: `"${unquote(r.etag)}"`,
    size: r.size,
    request: r.request,
    parts: r.summary.parts.length,
    partSize: r.request === "single" ? r.size : r.plan.partSize,
    checksumAlgorithm: context.algorithm,
    checksumType: r.checksumType,
    checksum: r.checksum,
    verified: r.verified,
    retries: r.summary.retries,
    throttles: r.summary.throttles,
    partsResumed: 0,
    partsSent: r.summary.parts.length,
    durationMs: Math.round(context.events.elapsedMs()),
    notes: r.plan.adjustments,
  };
  if (r.versionId) out.versionId = r.versionId;
  if (r.uploadId) out.uploadId = r.uploadId;
  context.events.emit({ type: "complete", result: out });
  return out;
}

