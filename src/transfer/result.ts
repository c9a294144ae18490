import type { ChecksumAlgorithm, ChecksumType } from "../checksum/index.js";
import type { TransferPlan } from "../planner/index.js";
import type { RunPartsSummary } from "../engine/run-parts.js";
import type { TransferEventData } from "./events.js";
import type { TransferContext } from "./job-context.js";
import { unquote } from "./verify.js";

/** What was checked after the transfer, each item stated as done, failed or not possible here. */
export interface Verification {
  /** The object's size on the server equals the source's ("not checked" only when HEAD was impossible). */
  size: "ok" | "not checked";
  /** The full-object (or composite) checksum: equal to ours, or why it could not be compared. */
  checksum: "ok" | "not verifiable by server" | "not requested" | "not comparable";
  /** Multipart ETag vs the MD5-of-MD5s we computed (with Content-MD5), or vs the source's ETag (copies). */
  etag: "ok" | "differs" | "not checked";
  /** One line for people. */
  summary: string;
  /**
   * Set when the object was written (Complete / PutObject / CopyObject succeeded) but could not be looked at
   * afterwards: the transfer succeeded, and nothing beyond that is claimed.
   */
  unavailable?: string;
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
  checksumType: ChecksumType | null;
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

export interface ResultFields {
  request: "single" | "multipart";
  size: number;
  plan: TransferPlan;
  etag: string;
  versionId: string | undefined;
  summary: RunPartsSummary;
  checksum: string | null;
  checksumType: ChecksumType | null;
  verified: Verification;
  uploadId?: string;
  partsResumed?: number;
  partsSent?: number;
  journalPath?: string;
}

/** The result object, emitted as the `complete` event and returned. */
export function buildResult(context: TransferContext, r: ResultFields): TransferResult {
  const out: TransferResult = {
    operation: context.operation,
    bucket: context.target.bucket,
    key: context.target.key,
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
    partsResumed: r.partsResumed ?? 0,
    partsSent: r.partsSent ?? r.summary.parts.length,
    durationMs: Math.round(context.events.elapsedMs()),
    notes: [...r.plan.adjustments, ...context.notes],
  };
  if (r.versionId) out.versionId = r.versionId;
  if (r.uploadId) out.uploadId = r.uploadId;
  if (r.journalPath) out.journalPath = r.journalPath;
  return out;
}

export function startEvent(
  context: TransferContext,
  source: { name: string },
  plan: TransferPlan,
  size: number | null,
  request: "single" | "multipart",
  uploadId?: string,
): TransferEventData {
  return {
    type: "start",
    operation: context.operation,
    bucket: context.target.bucket,
    key: context.target.key,
    source: source.name,
    size,
    request,
    partSize: request === "single" ? (size ?? plan.partSize) : plan.partSize,
    partCount: request === "single" ? 1 : plan.partCount,
    concurrency: context.concurrency.max,
    checksumAlgorithm: context.algorithm,
    ...(uploadId ? { uploadId } : {}),
    notes: [...plan.adjustments, ...context.notes],
  };
}
