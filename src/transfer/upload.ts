import { access, constants, stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import type { Readable } from "node:stream";
import { multipartEtag } from "../checksum/index.js";
import { UsageError } from "../errors.js";
import { partRanges, planUpload, type TransferPlan } from "../planner/index.js";
import { guessContentType } from "../s3/content-type.js";
import { GIVEN_ONLY_ATTRIBUTES, type ObjectAttributes } from "../s3/object-attributes.js";
import type { FileIdentity, PartBody, PartTask } from "../workers/tasks.js";
import type { FileSourceIdentity, JournalHeader } from "../journal/format.js";
import { Journal } from "../journal/journal.js";
import { defaultJournalPath } from "../journal/location.js";
import {
  buildResult,
  createContext,
  runTransfer,
  startEvent,
  validateCommonOptions,
  type TransferContext,
} from "./context.js";
import { journalHeader } from "./journal-header.js";
import { headObject } from "./multipart.js";
import { runMultipart } from "./multipart-transfer.js";
import { resolveRetry, type CommonTransferOptions } from "./options.js";
import type { TransferResult } from "./result.js";
import { PartProgress, runParts, type PartJob } from "./run-parts.js";
import { StreamParts } from "./stream-parts.js";
import { nodeSource, type UploadSource } from "./upload-source.js";
import { verifyObject } from "./verify.js";

export interface UploadOptions extends CommonTransferOptions {
  /**
   * A file path, a Node readable stream (stdin) or web ReadableStream of unknown length, or bytes in memory
   * (a Buffer or Uint8Array).
   */
  source: UploadSource;
  /** With Content-MD5 on every part the server checks each part, and we check the final ETag. */
  contentMd5?: boolean;
  /** For a stream: the size to plan the parts for (the stream may not exceed what the plan reaches). */
  expectedSize?: number;
}

interface UploadContext extends TransferContext {
  options: UploadOptions;
  attributes: ObjectAttributes;
}

/**
 * Uploads a file or a stream to s3://bucket/key: one PutObject below the multipart threshold, otherwise a
 * multipart upload whose parts are read, checksummed and sent by worker threads. The object exists only if
 * every part made it; on failure or cancellation the multipart upload is aborted.
 */
export async function upload(given: UploadOptions): Promise<TransferResult> {
  const { source, size } = nodeSource(given.source);
  const options = {
    ...given,
    source,
    ...(size !== undefined && given.expectedSize === undefined ? { expectedSize: size } : {}),
  };
  const validated = validateCommonOptions(options);
  const file = typeof options.source === "string" ? await fileIdentity(options.source) : undefined;
  const plan = planUpload(file ? file.size : null, {
    ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
    strictPartSize: options.strictPartSize ?? false,
    ...(options.multipartThreshold !== undefined ? { multipartThreshold: options.multipartThreshold } : {}),
    forceMultipart: options.forceMultipart ?? false,
    ...(options.expectedSize !== undefined ? { expectedSize: options.expectedSize } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const context: UploadContext = {
    ...createContext("upload", options, validated, file ? file.path : "(stream)"),
    options,
    attributes: {
      ...pickAttributes(options),
      contentType: options.contentType ?? (file ? guessContentType(file.path) : "application/octet-stream"),
    },
  };
  return runTransfer(context, async () => {
    if (!file) return uploadStream(context, plan, options.source as Readable);
    return plan.kind === "multipart"
      ? uploadMultipart(context, plan, fileJobs(context, plan, file), plan.objectSize!, undefined, file)
      : uploadSingle(context, plan, { type: "file", file, start: 0, end: file.size });
  });
}

export async function fileIdentity(path: string): Promise<FileSourceIdentity & FileIdentity> {
  const absolute = resolvePath(path);
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : `cannot be read (${code})`;
    throw new UsageError("SOURCE_NOT_FOUND", `source file ${path} ${why}: check the path`);
  }
  if (info.isDirectory()) {
    throw new UsageError("USAGE", `source ${path} is a directory: s3xfer cp uploads one file; name a file`);
  }
  if (!info.isFile()) {
    throw new UsageError(
      "USAGE",
      `source ${path} is not a regular file: for a pipe or device use "-" and stdin`,
    );
  }
  try {
    await access(absolute, constants.R_OK);
  } catch {
    throw new UsageError(
      "SOURCE_UNREADABLE",
      `source file ${path} cannot be read (permission denied): check its permissions, or run as a user who can read it`,
    );
  }
  return {
    kind: "file",
    path: absolute,
    size: info.size,
    mtimeMs: info.mtimeMs,
    ino: info.ino,
    dev: info.dev,
  };
}

const ATTRIBUTE_KEYS: (keyof ObjectAttributes)[] = [
  "contentType",
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
  ...GIVEN_ONLY_ATTRIBUTES,
];

export function pickAttributes(options: ObjectAttributes): ObjectAttributes {
  const attributes: Record<string, unknown> = {};
  for (const key of ATTRIBUTE_KEYS) if (options[key] !== undefined) attributes[key] = options[key];
  return attributes as ObjectAttributes;
}

async function uploadPartTask(
  context: TransferContext & { options: UploadOptions },
  partNumber: number,
  body: PartBody,
  progress: { counters: SharedArrayBuffer; slot: number },
): Promise<PartTask> {
  return {
    ...(await context.taskBase()),
    kind: "upload-part",
    // Filled in once the multipart upload exists (see withUploadId).
    uploadId: "",
    partNumber,
    body,
    ...(context.algorithm ? { checksumAlgorithm: context.algorithm } : {}),
    contentMd5: context.options.contentMd5 ?? false,
    ...(context.dest.sseCustomer ? { sseCustomer: context.dest.sseCustomer } : {}),
    progress,
  };
}

export function* fileJobs(
  context: TransferContext & { options: UploadOptions },
  plan: TransferPlan,
  file: FileIdentity,
  skip: ReadonlySet<number> = new Set(),
): Generator<PartJob> {
  for (const range of partRanges(plan)) {
    if (skip.has(range.partNumber)) continue;
    const body: PartBody = { type: "file", file, start: range.start, end: range.end };
    yield {
      partNumber: range.partNumber,
      bytes: range.size,
      task: (p) => uploadPartTask(context, range.partNumber, body, p),
    };
  }
}

/** Reads the stream part by part; a stream that fits below the threshold becomes one PutObject. */
async function uploadStream(
  context: UploadContext,
  plan: TransferPlan,
  stream: Readable,
): Promise<TransferResult> {
  const parts = new StreamParts(stream, plan.partSize, context.concurrency.max + 1);
  const first = await parts.next(1);
  const threshold = context.options.multipartThreshold ?? 16 * 1024 * 1024;
  if (parts.done && (first?.length ?? 0) < threshold && !context.options.forceMultipart) {
    const data = first ?? new Uint8Array(0);
    const single = {
      ...plan,
      kind: data.length === 0 ? ("empty" as const) : ("single" as const),
      objectSize: data.length,
    };
    return uploadSingle(context, single, { type: "bytes", data });
  }
  const maxParts = Math.floor(plan.maxObjectSize / plan.partSize);
  async function* jobs(): AsyncGenerator<PartJob> {
    let data = first;
    for (let partNumber = 1; data; partNumber++) {
      if (partNumber > maxParts) {
        throw new UsageError(
          "OBJECT_TOO_LARGE",
          `the stream is larger than the ${plan.maxObjectSize} bytes that ${maxParts} parts of ${plan.partSize} bytes hold: ` +
            `pass --expected-size (or a larger --part-size)`,
        );
      }
      const body: PartBody = { type: "bytes", data };
      const n = partNumber;
      yield { partNumber: n, bytes: data.length, task: (p) => uploadPartTask(context, n, body, p) };
      data = await parts.next(partNumber + 1);
    }
  }
  return uploadMultipart(context, plan, jobs(), null, parts);
}

/** One PutObject (or an empty one), sent by a worker like a part, retried like a part. */
async function uploadSingle(
  context: UploadContext,
  plan: TransferPlan,
  body: PartBody,
): Promise<TransferResult> {
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
  return buildResult(context, {
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
  file?: FileSourceIdentity,
): Promise<TransferResult> {
  const { options } = context;
  const journalPath = file ? await journalFor(options) : undefined;
  return runMultipart(context, {
    plan,
    size,
    attributes: context.attributes,
    jobs: (uploadId) => withUploadId(jobs, uploadId),
    ...(stream ? { stream } : {}),
    ...(journalPath && file
      ? {
          journal: {
            path: journalPath,
            header: (uploadId: string) => uploadJournalHeader(context, plan, file, uploadId),
          },
        }
      : {}),
    resumeCommand: `s3xfer resume s3://${options.bucket}/${options.key}`,
    expectations: (parts) => ({
      ...(options.contentMd5 && etagIsMd5(context) && parts.every((p) => p.md5)
        ? { etag: multipartEtag(parts.map((p) => Buffer.from(p.md5!, "hex"))) }
        : {}),
      etagMismatchIsError: true,
    }),
  });
}

/**
 * Where this transfer's journal goes, refusing to start over an unfinished transfer to the same destination
 * (its upload is still on the server and would be orphaned).
 */
export async function journalFor(options: CommonTransferOptions): Promise<string | undefined> {
  if (options.journal === false) return undefined;
  const path = options.journal ?? defaultJournalPath(options.bucket, options.key);
  const existing = await Journal.read(path).catch(() => undefined);
  if (existing && !existing.end) {
    throw new UsageError(
      "USAGE",
      `an unfinished transfer to s3://${options.bucket}/${options.key} is recorded in ${path}: ` +
        `finish it with "s3xfer resume s3://${options.bucket}/${options.key}" or drop it with "s3xfer abort s3://${options.bucket}/${options.key}"`,
    );
  }
  return path;
}

function uploadJournalHeader(
  context: UploadContext,
  plan: TransferPlan,
  file: FileSourceIdentity,
  uploadId: string,
): JournalHeader {
  return journalHeader(context, "upload", file, plan, uploadId, context.attributes);
}

/** Gives each part task the upload id, which exists only after the jobs were set up. */
export async function* withUploadId(
  jobs: Iterable<PartJob> | AsyncIterable<PartJob>,
  uploadId: string,
): AsyncGenerator<PartJob> {
  for await (const job of jobs) {
    yield {
      ...job,
      task: async (progress) => {
        const task = await job.task(progress);
        return task.kind === "put-object" ? task : { ...task, uploadId };
      },
    };
  }
}
