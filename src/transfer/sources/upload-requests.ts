/** What uploads of a file and of a stream share: their part tasks, the single PutObject, MD5 expectations. */
import { multipartEtag } from "../../checksum/index.js";
import { PartProgress } from "../../engine/part-progress.js";
import { runParts, type PartDone, type PartJob } from "../../engine/run-parts.js";
import type { TransferPlan } from "../../planner/index.js";
import type { ObjectAttributes } from "../../s3/object-attributes.js";
import type { PartBody, PartTask } from "../../workers/tasks.js";
import type { TransferContext } from "../job-context.js";
import { settleTags, verifyWritten } from "../job-finish.js";
import { buildResult, startEvent, type TransferResult } from "../result.js";
import type { SourceExpectations } from "./source.js";

export type ProgressSlot = { counters: SharedArrayBuffer; slot: number };

/** SSE-KMS and SSE-C objects have ETags that are not the MD5 of their bytes. */
export function etagIsMd5(context: TransferContext, attributes: ObjectAttributes): boolean {
  return !context.target.sseCustomer && attributes.sse?.mode !== "aws:kms";
}

export async function uploadPartTask(
  context: TransferContext,
  uploadId: string,
  partNumber: number,
  body: PartBody,
  contentMd5: boolean,
  progress: ProgressSlot,
): Promise<PartTask> {
  return {
    ...(await context.taskBase()),
    kind: "upload-part",
    uploadId,
    partNumber,
    body,
    ...(context.algorithm ? { checksumAlgorithm: context.algorithm } : {}),
    contentMd5,
    ...(context.target.sseCustomer ? { sseCustomer: context.target.sseCustomer } : {}),
    progress,
  };
}

export function uploadPartJob(
  context: TransferContext,
  uploadId: string,
  partNumber: number,
  body: PartBody,
  contentMd5: boolean,
): PartJob {
  const bytes = body.type === "bytes" ? body.data.length : body.end - body.start;
  return {
    partNumber,
    bytes,
    task: (p) => uploadPartTask(context, uploadId, partNumber, body, contentMd5, p),
  };
}

/** With Content-MD5 on every part, the multipart ETag must be the MD5 of the part MD5s. */
export function md5Expectations(
  context: TransferContext,
  attributes: ObjectAttributes,
  contentMd5: boolean,
  parts: PartDone[],
): SourceExpectations {
  return {
    ...(contentMd5 && etagIsMd5(context, attributes) && parts.every((p) => p.md5)
      ? { etag: multipartEtag(parts.map((p) => Buffer.from(p.md5!, "hex"))) }
      : {}),
    etagMismatchIsError: true,
  };
}

/** One PutObject (or an empty one), sent by a worker like a part and retried like a part. */
export async function putObject(
  context: TransferContext,
  source: { name: string; attributes: ObjectAttributes },
  plan: TransferPlan,
  body: PartBody,
  contentMd5: boolean,
): Promise<TransferResult> {
  const { options, events, concurrency, target, algorithm } = context;
  const size = body.type === "bytes" ? body.data.length : body.end - body.start;
  const progress = new PartProgress(1);
  events.emit(startEvent(context, source, plan, size, "single"));
  events.track(progress, () => ({ totalBytes: size, partCount: 1 }), concurrency);
  const job: PartJob = {
    partNumber: 1,
    bytes: size,
    task: async (slot) => ({
      ...(await context.taskBase()),
      kind: "put-object",
      body,
      ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
      contentMd5,
      attributes: source.attributes,
      ...(options.ifNoneMatch ? { ifNoneMatch: options.ifNoneMatch } : {}),
      ...(target.sseCustomer ? { sseCustomer: target.sseCustomer } : {}),
      progress: slot,
    }),
  };
  const summary = await runParts([job], {
    runner: context.runner,
    concurrency,
    retry: context.retry,
    location: { bucket: target.bucket, key: target.key },
    emit: events.emit,
    progress,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  events.stop(progress, { totalBytes: size, partCount: 1 }, concurrency);
  const part = summary.parts[0]!;
  await settleTags(context, part.versionId, source.attributes.tagging, "PutObject");
  const { verified, head } = await verifyWritten(context, part.versionId, {
    size,
    checksum: part.checksum ?? null,
    ...(part.md5 && etagIsMd5(context, source.attributes) ? { etag: part.md5 } : {}),
    etagMismatchIsError: true,
    serverIgnoresChecksums: algorithm !== null && !part.checksumAcknowledged,
  });
  const result = buildResult(context, {
    request: "single",
    size,
    plan,
    etag: head?.ETag ?? part.etag,
    versionId: part.versionId ?? head?.VersionId,
    summary,
    checksum: part.checksum ?? null,
    // A single PutObject's checksum is of the whole object, whatever the algorithm.
    checksumType: algorithm ? "FULL_OBJECT" : null,
    verified,
  });
  contentMd5Advice(result, contentMd5);
  return result;
}

/**
 * On a server that ignores checksums (this Ceph), nothing but the size was checked unless the parts carried
 * Content-MD5. That is left off by default — it costs about 1.4 CPU-s per GiB more, and AWS checks the
 * checksums themselves — so the result says how to get the check.
 */
export function contentMd5Advice(result: TransferResult, contentMd5: boolean): void {
  if (
    contentMd5 ||
    result.checksumAlgorithm === null ||
    result.verified.checksum !== "not verifiable by server"
  )
    return;
  result.notes.push(
    "this server ignores checksums, so it verified nothing but the size: add --content-md5 to have it check every part's MD5 (and s3xfer the ETag)",
  );
}
