import type { Writable } from "node:stream";
import type { ConnectionOptions } from "../s3/client-settings.js";
import type { S3Limits } from "../planner/limits.js";
import type { EventOptions } from "../transfer/events.js";
import type { TransferResult } from "../transfer/result.js";
import type { RetryPolicy } from "../engine/retry-policy.js";

/** What `download` takes: the object, where its bytes go, and the same transfer knobs as upload and copy. */
export interface DownloadOptions extends ConnectionOptions, EventOptions {
  bucket: string;
  key: string;
  /** A version of the object (default: the current one, pinned by its version id when the bucket has one). */
  versionId?: string;
  /**
   * A file path, an existing directory (the key's base name inside it), or a writable stream (written in
   * order, with at most `concurrency` ranges held in memory; not resumable).
   */
  destination: string | Writable;
  /** Replace an existing destination file (default: refuse). */
  overwrite?: boolean;
  /** Bytes per ranged GET (default 16 MiB; grown when the object would need more than 10,000 ranges). */
  partSize?: number;
  /** Refuse instead of growing `partSize`. */
  strictPartSize?: boolean;
  /** Objects up to this size come in one GET (default 16 MiB). */
  multipartThreshold?: number;
  /** Ranges in flight at most (default 8). */
  concurrency?: number;
  threads?: number;
  /** The object's SSE-C key: 32 raw bytes, or their base64. */
  sseCustomerKey?: Uint8Array | string;
  requestPayer?: "requester";
  expectedBucketOwner?: string;
  signal?: AbortSignal;
  /** When `signal` aborts, keep the partial file and its journal for `resumeDownload`. */
  keepForResume?: boolean;
  /** Keep the partial file and journal even after a permanent failure. */
  keepOnError?: boolean;
  /** The journal file (default: one per destination file under $XDG_STATE_HOME/s3xfer), or false for none. */
  journal?: string | false;
  retry?: Partial<RetryPolicy>;
  idleTimeoutMs?: number;
  limits?: Partial<S3Limits>;
}

/** The result of a download: the shape of upload's and copy's, plus where the bytes went. */
export interface DownloadResult extends Omit<TransferResult, "operation" | "uploadId"> {
  operation: "download";
  /** The file written, or "-" for a stream. */
  destination: string;
}
