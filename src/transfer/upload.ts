import type { Readable } from "node:stream";
import { planUpload, type TransferPlan } from "../planner/index.js";
import { guessContentType } from "../s3/content-type.js";
import type { FileSourceIdentity, SourceIdentity } from "../journal/format.js";
import { resumeOptionsOf, settleUnfinished, type OnUnfinished } from "./find-transfer.js";
import { createContext, validateCommonOptions, type ContextServices } from "./job-context.js";
import { explainConditionalWrite } from "./if-none-match.js";
import { runJob } from "./job.js";
import type { CommonTransferOptions } from "./options.js";
import type { TransferResult } from "./result.js";
import { pickAttributes } from "./sources/attributes.js";
import { FileSource, fileIdentity } from "./sources/file-source.js";
import { StreamSource } from "./sources/stream-source.js";
import { nodeSource, type UploadSource } from "./upload-source.js";

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
  /**
   * When an unfinished transfer to this destination is recorded (an interrupted run's journal):
   * "fail" (default) refuses; "resume" finishes it if its source is this same file (same path, size,
   * modification time and inode), else fails; "restart" aborts its upload and starts over.
   */
  onUnfinished?: OnUnfinished;
}

const DEFAULT_MULTIPART_THRESHOLD = 16 * 1024 * 1024;

/**
 * Uploads a file or a stream to s3://bucket/key: one PutObject below the multipart threshold, otherwise a
 * multipart upload whose parts are read, checksummed and sent by worker threads. The object exists only if
 * every part made it; on failure or cancellation the multipart upload is aborted (or kept for resume).
 */
export async function upload(
  given: UploadOptions,
  /** @internal stand-ins for tests (the worker pool) */
  services: ContextServices = {},
): Promise<TransferResult> {
  // Bytes and web streams become what the sources read: a Node stream (with its size, when known).
  const { source: nodeReadable, size } = nodeSource(given.source);
  const options = {
    ...given,
    source: nodeReadable,
    ...(size !== undefined && given.expectedSize === undefined ? { expectedSize: size } : {}),
  };
  validateCommonOptions(options);
  const file = typeof options.source === "string" ? await fileIdentity(options.source) : undefined;
  const resumed = await settleUnfinished(
    options,
    async (recorded) => fileDiffers(recorded, file),
    resumeOptionsOf(options),
    services,
  );
  if (resumed) return resumed;
  const plan = uploadPlan(options, file);
  const attributes = {
    ...pickAttributes(options),
    contentType: options.contentType ?? (file ? guessContentType(file.path) : "application/octet-stream"),
  };
  const contentMd5 = options.contentMd5 ?? false;
  const source = file
    ? new FileSource(file, plan, attributes, contentMd5)
    : new StreamSource(
        options.source as Readable,
        plan,
        attributes,
        contentMd5,
        options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD,
      );
  return explainConditionalWrite(options, () =>
    runJob(createContext("upload", options, {}, services), source),
  );
}

/** Why a recorded source is not this file (undefined: the same file, unchanged). */
function fileDiffers(recorded: SourceIdentity, file: FileSourceIdentity | undefined): string | undefined {
  if (recorded.kind !== "file") return `it copies s3://${recorded.bucket}/${recorded.key}`;
  if (!file) return `it uploads the file ${recorded.path}; this upload reads a stream`;
  if (recorded.path !== file.path) return `it uploads the file ${recorded.path}`;
  if (recorded.size !== file.size || recorded.mtimeMs !== file.mtimeMs || recorded.ino !== file.ino)
    return `${file.path} was modified since (size, modification time or inode differ)`;
  return undefined;
}

function uploadPlan(
  options: Omit<UploadOptions, "source">,
  file: FileSourceIdentity | undefined,
): TransferPlan {
  return planUpload(file ? file.size : null, {
    ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
    strictPartSize: options.strictPartSize ?? false,
    ...(options.multipartThreshold !== undefined ? { multipartThreshold: options.multipartThreshold } : {}),
    forceMultipart: options.forceMultipart ?? false,
    ...(options.expectedSize !== undefined ? { expectedSize: options.expectedSize } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
}

/**
 * What `upload` would do, without doing it (cp --dryrun): the options checked, the file looked at, the parts
 * planned. Nothing is sent and nothing is written (no journal).
 */
export async function planUploadOf(given: UploadOptions): Promise<TransferPlan> {
  const { size } = typeof given.source === "string" ? { size: undefined } : nodeSource(given.source);
  const options = {
    ...given,
    ...(size !== undefined && given.expectedSize === undefined ? { expectedSize: size } : {}),
  };
  validateCommonOptions(options);
  const file = typeof given.source === "string" ? await fileIdentity(given.source) : undefined;
  return uploadPlan(options, file);
}
