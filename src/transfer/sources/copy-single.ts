/**
 * A copy in one CopyObject. S3 computes the copy's checksum itself: with the algorithm asked for, or, when
 * none was asked, the source's own. The copy's value is compared with the source's only where they are of
 * one kind (same algorithm, full-object with full-object): anything else is said, never claimed.
 */
import { isCompositeValue, type ChecksumAlgorithm } from "../../checksum/index.js";
import { PartProgress } from "../../engine/part-progress.js";
import type { RunPartsSummary } from "../../engine/run-parts.js";
import type { TransferPlan } from "../../planner/index.js";
import { readChecksum } from "../../s3/checksum-fields.js";
import { classifyError } from "../../s3/error-class.js";
import { copyObject } from "../../s3/object-requests.js";
import type { TransferContext } from "../job-context.js";
import { settleTags, verifyWritten } from "../job-finish.js";
import { buildResult, startEvent, type TransferResult } from "../result.js";
import { unquote } from "../verify.js";
import type { S3ObjectSource } from "./s3-object-source.js";

/** The source's value in this algorithm, when it is a full-object value (a composite "-N" compares with nothing a single write makes). */
function sourceFullObjectValue(source: S3ObjectSource, algorithm: ChecksumAlgorithm): string | undefined {
  const value = readChecksum(algorithm, source.object.head);
  const composite =
    source.object.head.ChecksumType === "COMPOSITE" || (value !== undefined && isCompositeValue(value));
  return value && !composite ? value : undefined;
}

export async function copyInOneRequest(
  context: TransferContext,
  source: S3ObjectSource,
  plan: TransferPlan,
): Promise<TransferResult | undefined> {
  const { options, events, concurrency, target } = context;
  const object = source.object;
  const progress = new PartProgress(1);
  events.emit(startEvent(context, source, plan, object.size, "single"));
  events.track(progress, () => ({ totalBytes: object.size, partCount: 1 }), concurrency);
  let response;
  try {
    response = await copyObject(target, {
      source: object,
      access: source.access,
      attributes: source.attributes,
      // The algorithm asked for, or s3xfer's default (CRC64NVME), as for uploads; NONE keeps the source's.
      algorithm: context.algorithm,
      ...(source.expectedSourceBucketOwner
        ? { expectedSourceBucketOwner: source.expectedSourceBucketOwner }
        : {}),
      ...(options.ifNoneMatch ? { ifNoneMatch: options.ifNoneMatch } : {}),
      ...(source.sourceConditions ? { sourceConditions: source.sourceConditions } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (classifyError(error).httpStatus === 501) {
      events.stop();
      source.note(context, "the server refused CopyObject for this source (501); copied in parts instead");
      return undefined;
    }
    throw error;
  }
  progress.completedBytes = object.size;
  progress.partsDone = 1;
  events.stop(progress, { totalBytes: object.size, partCount: 1 }, concurrency);
  const etag = response.CopyObjectResult?.ETag ?? "";
  const versionId = response.VersionId;
  const algorithm = context.algorithm;
  const copied = algorithm ? readChecksum(algorithm, response.CopyObjectResult) : undefined;
  const sourceValue = algorithm ? sourceFullObjectValue(source, algorithm) : undefined;
  // The copy's value is compared with the source's where the source has one of that algorithm and kind;
  // otherwise with the value S3 computed while copying (CopyObjectResult), which the object must carry.
  const { verified, head } = await verifyWritten(context, versionId, {
    size: object.size,
    checksum: sourceValue ?? copied ?? null,
    ...(source.etagsComparable(context) ? { etag: unquote(object.etag) } : {}),
    // A single-part source's ETag is its MD5 and must carry over; a multipart source's ETag may be
    // recomputed by CopyObject (AWS makes it the MD5 of the whole object; Ceph keeps it).
    etagMismatchIsError: object.layout === "single",
    serverIgnoresChecksums: algorithm !== null && !copied,
  });
  if (head && source.attributes.sse?.mode === "aws:kms" && head.ServerSideEncryption !== "aws:kms") {
    // This Ceph accepts SSE-KMS on CopyObject and ignores it. An unencrypted copy is not what was asked: copy
    // again in parts, where the encryption is set at CreateMultipartUpload (and the result checked).
    source.note(context, "the server ignored SSE-KMS on CopyObject; copied in parts instead");
    return undefined;
  }
  if (algorithm && copied && !sourceValue) {
    context.notes.push(
      `${algorithm} ${copied} was computed by the server while copying (the source has no full-object ${algorithm} value to compare it with); the bytes are verified by size${verified.etag === "ok" ? " and ETag" : ""}`,
    );
  }
  await settleTags(context, versionId, source.attributes.tagging, "CopyObject");
  if (verified.etag === "differs")
    context.notes.push("CopyObject gave the copy a new ETag (the source is multipart); size verified");
  const summary: RunPartsSummary = {
    parts: [{ ok: true, partNumber: 1, etag, bytes: object.size, durationMs: 0, attempts: 1 }],
    retries: 0,
    throttles: 0,
  };
  return buildResult(context, {
    request: "single",
    size: object.size,
    plan,
    etag: head?.ETag ?? etag,
    versionId: versionId ?? head?.VersionId,
    summary,
    checksum: copied ?? null,
    checksumType: copied ? "FULL_OBJECT" : null,
    verified,
  });
}
