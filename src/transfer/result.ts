import type { ChecksumAlgorithm } from "../checksum/index.js";

/** What was checked after the transfer, each item stated as done, failed or not possible here. */
export interface Verification {
  /** The object's size on the server equals the source's. */
  size: "ok";
  /** The full-object (or composite) checksum: equal to ours, or why it could not be compared. */
  checksum: "ok" | "not verifiable by server" | "not requested" | "not comparable";
  /** Multipart ETag vs the MD5-of-MD5s we computed (with Content-MD5), or vs the source's ETag (copies). */
  etag: "ok" | "differs" | "not checked";
  /** One line for people. */
  summary: string;
}

export interface TransferResult {
  operation: "upload" | "copy";
  bucket: string;
  key: string;
  etag: string;
  versionId?: string;
  size: number;
  /** "single" for one PutObject / CopyObject. */
  request: "single" | "multipart";
  parts: number;
  partSize: number;
  uploadId?: string;
  checksumAlgorithm: ChecksumAlgorithm | null;
  checksumType: "FULL_OBJECT" | "COMPOSITE" | null;
  /** S3's form: base64, with "-N" for composite values. */
  checksum: string | null;
  verified: Verification;
  /** Part attempts that failed and were tried again. */
  retries: number;
  /** Retries caused by the server throttling (503 SlowDown, 429). */
  throttles: number;
  /** Parts found done (journal / server) rather than sent in this run. */
  partsResumed: number;
  partsSent: number;
  durationMs: number;
  /** The journal that recorded this transfer (multipart with a journal). */
  journalPath?: string;
  notes: string[];
}
