/**
 * s3xfer as a library: `upload` a file or stream, `copy` an object server-side, both with progress events,
 * an AbortSignal, typed errors and a verified result.
 *
 * Errors: everything s3xfer throws on purpose is an `S3xferError` (with a stable `code`); `UsageError`
 * (bad input, nothing sent) and `TransferError` (the transfer failed; bucket, key, upload id, journal path)
 * both extend it, so `error instanceof S3xferError` catches both.
 *
 * The published declarations are this file's exports only (bundled into one dist/index.d.ts at build time):
 * the modules behind them are internal.
 */
export { upload, type UploadOptions } from "./transfer/upload.js";
export type { UploadSource } from "./transfer/upload-source.js";
export { copy, type CopyOptions, type CopyProps } from "./transfer/copy.js";
export type { CopySourcePreconditions } from "./transfer/sources/s3-object-source.js";
export { resume, type ResumeOptions, type ResumeTarget } from "./transfer/resume.js";
export {
  findTransfer,
  type FindTransferOptions,
  type RecordedTransfer,
  type OnUnfinished,
} from "./transfer/find-transfer.js";
export { UnfinishedTransferError } from "./journal/transfer-journal.js";
export {
  listUploads,
  cleanUploads,
  abortTransfer,
  type InProgressUpload,
} from "./transfer/in-progress-uploads.js";
export type { CommonTransferOptions } from "./transfer/options.js";
export type { TransferResult, Verification } from "./transfer/result.js";
export type { TransferEvent, TransferProgress, EventOptions } from "./transfer/events.js";
export type { RetryPolicy } from "./engine/retry-policy.js";
export type { ConnectionOptions, S3ClientLike, S3xferWarning } from "./s3/client-settings.js";
export type { ObjectAttributes, ServerSideEncryption } from "./s3/object-attributes.js";
export { S3xferError, TransferError, UsageError, type ErrorCode, type TransferLocation } from "./errors.js";
export {
  planUpload,
  planCopy,
  partRange,
  partRanges,
  parseSize,
  formatSize,
  S3_LIMITS,
} from "./planner/index.js";
export type { TransferPlan, PartRange, PlanOptions, CopyPlanOptions, S3Limits } from "./planner/index.js";
export { parseS3Url, formatS3Url, type S3Location } from "./s3/url.js";
export { checksumImplementations, type ChecksumAlgorithm } from "./checksum/index.js";
export { download } from "./download/download.js";
export { resumeDownload, type ResumeDownloadOptions } from "./download/resume-download.js";
export type { DownloadOptions, DownloadResult } from "./download/types.js";
