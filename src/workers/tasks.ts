import type { CopySourceConditions } from "../s3/object-requests.js";
import type { ChecksumAlgorithm } from "../checksum/index.js";
import type { WorkerClientSettings } from "../s3/client-settings.js";
import type { ErrorInfo } from "../s3/error-class.js";
import type { ObjectAttributes, RequestOwnership, SseCustomerKey } from "../s3/object-attributes.js";

/**
 * The messages between the coordinator and the worker threads. Everything here is small plain data: part
 * bytes never cross threads (workers read files themselves). A stream, which only the main thread can read,
 * is read into SharedArrayBuffer-backed part buffers: the worker sees the same memory, nothing is copied,
 * and the buffer stays valid for a retry until the part succeeds.
 */
export type PartTask = UploadPartTask | PutObjectTask | CopyPartTask | DigestPartTask | GetRangeTask;

/** The file as it was when the transfer planned it; a worker that sees it change fails the part. */
export interface FileIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

export type PartBody =
  { type: "file"; file: FileIdentity; start: number; end: number } | { type: "bytes"; data: Uint8Array };

export interface TaskBase {
  client: WorkerClientSettings;
  bucket: string;
  key: string;
  ownership?: RequestOwnership;
  /** Where the worker reports bytes sent so far for this attempt (throttled), for live progress. */
  progress?: { counters: SharedArrayBuffer; slot: number };
  /** Cancel a request that has sent or received nothing for this long (stalled connection). */
  idleTimeoutMs: number;
}

export interface UploadPartTask extends TaskBase {
  kind: "upload-part";
  uploadId: string;
  partNumber: number;
  body: PartBody;
  checksumAlgorithm?: ChecksumAlgorithm;
  contentMd5: boolean;
  sseCustomer?: SseCustomerKey;
}

export interface PutObjectTask extends TaskBase {
  kind: "put-object";
  body: PartBody;
  checksumAlgorithm?: ChecksumAlgorithm;
  contentMd5: boolean;
  attributes: ObjectAttributes;
  /** x-amz-if-none-match ("*": do not overwrite an existing key). */
  ifNoneMatch?: string;
  sseCustomer?: SseCustomerKey;
}

export interface CopyPartTask extends TaskBase {
  kind: "copy-part";
  uploadId: string;
  partNumber: number;
  source: { bucket: string; key: string; versionId?: string; etag?: string };
  /** Inclusive-exclusive byte range of the source. */
  start: number;
  end: number;
  sseCustomer?: SseCustomerKey;
  sourceSseCustomer?: SseCustomerKey;
  expectedSourceBucketOwner?: string;
  /** The caller's copy-source preconditions, beside the ETag pin. */
  sourceConditions?: CopySourceConditions;
}

/**
 * Re-reads a part of a local file and returns its digests without sending anything: how resume checks a
 * part the server already has before trusting it (I/O only, no network).
 */
export interface DigestPartTask extends TaskBase {
  kind: "digest-part";
  partNumber: number;
  body: Extract<PartBody, { type: "file" }>;
  checksumAlgorithm?: ChecksumAlgorithm;
}

/**
 * Downloads one byte range of an object (a ranged GetObject pinned with If-Match) and writes it at its
 * offset in the partial file, or into shared memory for an in-order stream (range-get.ts).
 */
export interface GetRangeTask extends TaskBase {
  kind: "get-range";
  /** The range's number in the download plan (1-based), reported back as partNumber. */
  partNumber: number;
  versionId?: string;
  /** The object's ETag as planned: every range must come from that object or the task fails. */
  etag: string;
  /** Inclusive-exclusive byte range of the object. */
  start: number;
  end: number;
  /** A file written at offset `start`, or shared memory written from offset 0. */
  target: { type: "file"; path: string } | { type: "memory"; data: Uint8Array };
  checksumAlgorithm?: ChecksumAlgorithm;
  md5: boolean;
  sseCustomer?: SseCustomerKey;
}

export interface PartSuccess {
  ok: true;
  partNumber: number;
  etag: string;
  /** S3's base64 value of the part checksum we computed (uploads) or the server returned (copies). */
  checksum?: string;
  /**
   * The server echoed the checksum, so it knows it and checks it. Servers that ignore checksum headers
   * (this Ceph) echo nothing; the part checksums are then left out of CompleteMultipartUpload, whose body
   * would otherwise grow past such servers' request size limit at thousands of parts.
   */
  checksumAcknowledged?: boolean;
  /** Hex MD5 of the part's bytes, when they were read (uploads). */
  md5?: string;
  bytes: number;
  versionId?: string;
  durationMs: number;
}

export interface PartFailure {
  ok: false;
  partNumber: number;
  error: ErrorInfo;
  /** The local source no longer matches what was planned: retrying cannot help. */
  sourceChanged?: boolean;
}

export type PartOutcome = PartSuccess | PartFailure;
