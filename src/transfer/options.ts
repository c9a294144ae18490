import { isChecksumAlgorithm, CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from "../checksum/index.js";
import { UsageError } from "../errors.js";
import type { ConnectionOptions } from "../s3/client-settings.js";
import type { ObjectAttributes, SseCustomerKey } from "../s3/object-attributes.js";
import type { S3Limits } from "../planner/limits.js";
import type { EventOptions } from "./events.js";
import type { RetryPolicy } from "../engine/retry-policy.js";

export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 1_000;
export const DEFAULT_CHECKSUM: ChecksumAlgorithm = "CRC64NVME";

/** Options every transfer takes, upload or copy. */
export interface CommonTransferOptions extends ConnectionOptions, EventOptions, ObjectAttributes {
  bucket: string;
  key: string;
  /** Preferred part size in bytes; grown when the object needs more than 10,000 parts. */
  partSize?: number;
  /** Refuse instead of growing `partSize` (the CLI's --part-size). */
  strictPartSize?: boolean;
  /** Parts in flight at most (default 8). Lowered automatically while the server throttles. */
  concurrency?: number;
  /** Worker threads (default: the number of cores). */
  threads?: number;
  /** Part checksum algorithm (default CRC64NVME, S3's own default); "NONE" sends none. */
  checksumAlgorithm?: ChecksumAlgorithm | "NONE";
  /** SSE-C key for the destination: 32 raw bytes, or their base64. */
  sseCustomerKey?: Uint8Array | string;
  requestPayer?: "requester";
  expectedBucketOwner?: string;
  multipartThreshold?: number;
  forceMultipart?: boolean;
  signal?: AbortSignal;
  /**
   * When `signal` aborts, stop starting parts, let the running ones finish, and keep the multipart upload
   * with its journal for `resume` instead of aborting it.
   */
  keepForResume?: boolean;
  /** Keep the upload (and journal) even after a permanent failure, for inspection or a later resume. */
  keepOnError?: boolean;
  /**
   * The journal file for a multipart transfer (default: one per destination under $XDG_STATE_HOME/s3xfer),
   * or false for none. A transfer without a journal cannot be resumed.
   */
  journal?: string | false;
  /**
   * Keep the journal of a transfer that completed and was verified. By default it is removed: a nightly job
   * would otherwise collect one per night per key (`s3xfer journals prune` cleans up the rest).
   */
  keepJournal?: boolean;
  retry?: Partial<RetryPolicy>;
  /** Cancel and retry a request that has sent or received nothing for this long (default 120 s). */
  idleTimeoutMs?: number;
  /**
   * A conditional write: "*" refuses to overwrite an existing key (x-amz-if-none-match on PutObject,
   * CopyObject and CompleteMultipartUpload). A refusal fails the transfer and aborts its upload.
   */
  ifNoneMatch?: string;
  /** For tests against a server whose minimum part size was lowered. */
  limits?: Partial<S3Limits>;
}

export function resolveConcurrency(value: number | undefined): number {
  const concurrency = value ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new UsageError(
      "USAGE",
      `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${value}: try 8–64 (parts in flight at once)`,
    );
  }
  return concurrency;
}

export function resolveAlgorithm(value: string | undefined): ChecksumAlgorithm | null {
  if (value === undefined) return DEFAULT_CHECKSUM;
  const upper = value.toUpperCase();
  if (upper === "NONE") return null;
  if (isChecksumAlgorithm(upper)) return upper;
  throw new UsageError(
    "USAGE",
    `unknown checksum algorithm "${value}": use one of ${CHECKSUM_ALGORITHMS.join(", ")} or NONE`,
  );
}

/** Parses an SSE-C key given as raw bytes or base64. The key itself never appears in a message. */
export function resolveSseCustomerKey(
  value: Uint8Array | string | undefined,
  flag = "SSE-C key",
): SseCustomerKey | undefined {
  if (value === undefined) return undefined;
  let key: Uint8Array;
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
      throw new UsageError(
        "USAGE",
        `the ${flag} is not valid base64: give the base64 of a 32-byte (256-bit) key`,
      );
    }
    key = Buffer.from(trimmed, "base64");
  } else {
    key = value;
  }
  if (key.length !== 32) {
    throw new UsageError(
      "USAGE",
      `the ${flag} is ${key.length} bytes; SSE-C needs exactly 32 bytes (AES-256): e.g. openssl rand -base64 32`,
    );
  }
  return { key: new Uint8Array(key) };
}

export function checkEncryptionOptions(options: CommonTransferOptions): void {
  if (options.sse && options.sseCustomerKey !== undefined) {
    throw new UsageError(
      "USAGE",
      `--sse ${options.sse.mode} and an SSE-C key cannot be used together: choose one`,
    );
  }
}

export function checkLocation(bucket: string, key: string): void {
  if (!bucket) throw new UsageError("USAGE", "no bucket given");
  if (!key) throw new UsageError("USAGE", "no object key given");
}

export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
