/**
 * s3xfer as a library: `upload` a file or stream, `copy` an object server-side, both with progress events,
 * an AbortSignal, typed errors and a verified result.
 */
export { upload, type UploadOptions } from "./transfer/upload.js";
export { copy, type CopyOptions, type CopyProps } from "./transfer/copy.js";
export { resume, type ResumeOptions } from "./transfer/resume.js";
export { listUploads, cleanUploads, abortTransfer, type InProgressUpload } from "./transfer/uploads.js";
export type { CommonTransferOptions } from "./transfer/options.js";
export type { TransferResult, Verification } from "./transfer/result.js";
export type { TransferEvent, TransferProgress, EventOptions } from "./transfer/events.js";
export type { RetryPolicy } from "./transfer/run-parts.js";
export type { ConnectionOptions } from "./s3/client-settings.js";
export type { ObjectAttributes, ServerSideEncryption } from "./s3/object-attributes.js";
export { S3xferError, TransferError, UsageError, type ErrorCode } from "./errors.js";
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
