/**
 * After CompleteMultipartUpload succeeded the object exists, and the transfer succeeded: what follows (tags,
 * HEAD, comparisons) can only add to what the result says. A check that ran and found the object wrong is
 * VERIFICATION_FAILED; a check that could not run is said as such, never as a failed transfer.
 */
import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { checksumTypeFor } from "../checksum/index.js";
import { UsageError } from "../errors.js";
import type { PartDone, RunPartsSummary } from "../engine/run-parts.js";
import type { JournalHeader } from "../journal/format.js";
import type { TransferJournal } from "../journal/transfer-journal.js";
import { etagPartCount } from "../planner/index.js";
import { classifyError } from "../s3/error-class.js";
import { explainS3Error } from "../s3/error-explain.js";
import { ensureTags, headObject } from "../s3/object-requests.js";
import type { ObjectTarget } from "../s3/object-target.js";
import type { TransferContext } from "./job-context.js";
import { serverIgnoredChecksums } from "./part-checksums.js";
import { buildResult, type TransferResult, type Verification } from "./result.js";
import type { TransferSource, UploadLocation } from "./sources/source.js";
import { unavailableVerification, verifyObject } from "./verify.js";

/**
 * HEADs the version a write named. "null" is a legal version id on AWS (an unversioned bucket's object), but
 * some servers refuse HEAD ?versionId=null with a 400: then the current object is the one just written.
 */
export async function headAfterWrite(
  target: ObjectTarget,
  versionId: string | undefined,
): Promise<HeadObjectCommandOutput> {
  try {
    return await headObject(target, versionId);
  } catch (error) {
    if (versionId === "null" && classifyError(error).httpStatus === 400) return headObject(target);
    throw error;
  }
}

/** Sets tags a server dropped; a failure here is a note, since the object itself is written. */
export async function settleTags(
  context: TransferContext,
  versionId: string | undefined,
  tagging: string | undefined,
  request: string,
): Promise<void> {
  try {
    if (await ensureTags(context.target, versionId, tagging))
      context.notes.push(
        `the server dropped the tags given at ${request}; they were set with PutObjectTagging`,
      );
  } catch (error) {
    const why = explainS3Error(error, context.target, "setting the tags").message;
    context.notes.push(`the object was written, but its tags could not be checked or set: ${why}`);
  }
}

/** HEAD and compare; a HEAD that cannot be made gives an "unavailable" verification, not a failure. */
export async function verifyWritten(
  context: TransferContext,
  versionId: string | undefined,
  expected: Omit<Parameters<typeof verifyObject>[1], "bucket" | "key" | "algorithm">,
): Promise<{ verified: Verification; head?: HeadObjectCommandOutput }> {
  let head: HeadObjectCommandOutput;
  try {
    head = await headAfterWrite(context.target, versionId);
  } catch (error) {
    const why = explainS3Error(error, context.target, "HeadObject after the write").message;
    context.notes.push(`verification could not run: ${why}`);
    return { verified: unavailableVerification(expected.size, why) };
  }
  const verified = verifyObject(head, {
    bucket: context.target.bucket,
    key: context.target.key,
    algorithm: context.algorithm,
    ...expected,
  });
  return { verified, head };
}

export interface Finishing {
  location: UploadLocation;
  journal: TransferJournal | undefined;
  parts: PartDone[];
  summary: RunPartsSummary;
  completed: { etag: string; versionId?: string };
  checksum: string | null;
  partsResumed: number;
}

export async function finishMultipart(
  context: TransferContext,
  source: TransferSource,
  f: Finishing,
): Promise<TransferResult> {
  const size = source.size()!;
  const journal = f.journal;
  try {
    await settleTags(context, f.completed.versionId, source.attributes.tagging, "CreateMultipartUpload");
    const expected = source.expectations(context, f.parts, f.checksum);
    const { verified, head } = await verifyWritten(context, f.completed.versionId, {
      size,
      checksum: expected.checksum === undefined ? f.checksum : expected.checksum,
      ...(expected.etag !== undefined ? { etag: expected.etag } : {}),
      etagMismatchIsError: expected.etagMismatchIsError,
      serverIgnoresChecksums: serverIgnoredChecksums(context.algorithm, f.parts),
    });
    const result = buildResult(context, {
      request: "multipart",
      size,
      plan: source.plan,
      // Some servers (this Ceph) complete with an empty ETag: the HEAD has the real one.
      etag: f.completed.etag || head?.ETag || "",
      versionId: f.completed.versionId ?? head?.VersionId,
      summary: { ...f.summary, parts: f.parts },
      checksum: f.checksum,
      checksumType: checksumTypeFor(context.algorithm),
      verified,
      uploadId: f.location.uploadId,
      partsResumed: f.partsResumed,
      partsSent: f.summary.parts.length,
      ...(journal ? { journalPath: journal.path } : {}),
    });
    source.afterVerify?.(result);
    if (journal) {
      // Done and checked: the journal has nothing more to offer, unless asked to keep it (or nothing could
      // be checked, when `resume` can look at the object again).
      const remove = !context.options.keepJournal && !verified.unavailable;
      try {
        await journal.completed({
          etag: result.etag,
          ...(result.versionId ? { versionId: result.versionId } : {}),
          result,
        });
      } catch (error) {
        // A full disk: the object is there and verified, and that stays the result. A journal that is kept
        // still looks unfinished; resume recognises the completed upload and closes it.
        await journal.keep();
        if (!remove) {
          result.notes.push(
            `the journal ${journal.path} could not record the completion (${(error as Error).message}); ` +
              `once there is space, "s3xfer resume s3://${f.location.bucket}/${f.location.key}" closes it`,
          );
        }
      }
      if (remove) {
        await journal.remove();
        delete result.journalPath;
      }
    }
    return result;
  } catch (error) {
    // The object was completed but is not what was sent: the journal records the completion (there is no
    // upload left to resume), and the error says what was found.
    await journal?.completed({ etag: f.completed.etag, result: undefined }).catch(() => undefined);
    throw error;
  }
}

/**
 * Resume found the upload gone. If that is because it completed (a crash after Complete, before the journal
 * said so), the object is there with the planned size and part count and, where its ETag can be recomputed,
 * that ETag: then the transfer is done. Otherwise it was aborted or expired.
 */
export async function completedBeforeInterruption(
  context: TransferContext,
  source: TransferSource,
  header: JournalHeader,
  uploadId: string,
): Promise<TransferResult> {
  const plan = source.plan;
  const url = `s3://${header.destination.bucket}/${header.destination.key}`;
  const gone = new UsageError(
    "NO_SUCH_UPLOAD",
    `the multipart upload ${uploadId} no longer exists on the server (aborted, expired or completed elsewhere): ` +
      `start over with "s3xfer resume --restart ${url}"`,
  );
  const head = await headObject(context.target).catch(() => undefined);
  const recent = (head?.LastModified?.getTime() ?? 0) >= Date.parse(header.createdAt) - 60_000;
  if (
    !head ||
    !recent ||
    head.ContentLength !== plan.objectSize ||
    etagPartCount(head.ETag ?? "") !== plan.partCount
  )
    throw gone;
  const expected = await source.completedExpectations(context);
  const verified = verifyObject(head, {
    bucket: context.target.bucket,
    key: context.target.key,
    size: plan.objectSize!,
    algorithm: context.algorithm,
    checksum: expected?.checksum ?? null,
    ...(expected?.etag !== undefined ? { etag: expected.etag } : {}),
    etagMismatchIsError: expected?.exact ?? false,
  });
  context.notes.push(
    verified.etag === "ok"
      ? "the upload had completed just before the interruption; its ETag matches the expected one"
      : "the upload had completed just before the interruption; verified by size and part count only (the ETag cannot be compared)",
  );
  return buildResult(context, {
    request: "multipart",
    size: plan.objectSize!,
    plan,
    etag: head.ETag ?? "",
    versionId: head.VersionId,
    summary: { parts: [], retries: 0, throttles: 0 },
    checksum: expected?.checksum ?? null,
    checksumType: expected?.checksum ? checksumTypeFor(context.algorithm) : null,
    verified,
    uploadId,
    partsResumed: plan.partCount!,
    partsSent: 0,
  });
}
