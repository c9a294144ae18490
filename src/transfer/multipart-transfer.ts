import type { ChecksumAlgorithm } from "../checksum/index.js";
import { TransferError } from "../errors.js";
import type { JournalHeader } from "../journal/format.js";
import { Journal } from "../journal/journal.js";
import type { TransferPlan } from "../planner/index.js";
import { buildResult, startEvent, withAbortNote, type TransferContext } from "./context.js";
import {
  abortUpload,
  checksumTypeFor,
  completeUpload,
  createUpload,
  ensureTags,
  headObject,
  objectChecksum,
} from "./multipart.js";
import type { ObjectAttributes } from "../s3/object-attributes.js";
import { resolveRetry } from "./options.js";
import type { TransferResult } from "./result.js";
import { PartProgress, runParts, type PartDone, type PartJob, type RunPartsSummary } from "./run-parts.js";
import { explainS3Error } from "./s3-errors.js";
import type { StreamParts } from "./stream-parts.js";
import { verifyObject, type Expectations } from "./verify.js";

/** One multipart transfer from CreateMultipartUpload (or a resumed upload) to a verified object. */
export interface MultipartSpec {
  plan: TransferPlan;
  /** Object size; null for a stream until it ends. */
  size: number | null;
  attributes: ObjectAttributes;
  /** The parts still to send, with the upload id filled in. */
  jobs: (uploadId: string) => Iterable<PartJob> | AsyncIterable<PartJob>;
  stream?: StreamParts;
  /** A new transfer's journal: where, and its header once the upload id exists. */
  journal?: { path: string; header: (uploadId: string) => JournalHeader };
  /** A resumed transfer: its upload, its journal, and the parts already there (verified). */
  resumed?: { uploadId: string; journalPath: string; done: PartDone[] };
  /** Last checks before Complete (copy: the source is unchanged; part checksums match the source's). */
  beforeComplete?: (parts: PartDone[], checksum: string | null, location: Location) => Promise<void>;
  /** What the finished object must match, beyond its size. */
  expectations: (
    parts: PartDone[],
    checksum: string | null,
  ) => Pick<Expectations, "etag" | "etagMismatchIsError"> & {
    checksum?: string | null;
  };
  afterVerify?: (result: TransferResult) => void;
  /** A chance to say what really went wrong (copy: a failed part often means the source changed). */
  diagnose?: (error: unknown, location: Location) => Promise<unknown>;
  /** How to continue after an interruption, for messages (e.g. "s3xfer resume s3://b/k"). */
  resumeCommand?: string;
}

type Location = { bucket: string; key: string; uploadId: string };

/** Stops handing out parts once `stop` fires; parts already running finish. */
async function* untilStopped(
  jobs: Iterable<PartJob> | AsyncIterable<PartJob>,
  stop: AbortSignal | undefined,
) {
  for await (const job of jobs) {
    if (stop?.aborted) return;
    yield job;
  }
}

function partLine(part: PartDone) {
  return {
    partNumber: part.partNumber,
    etag: part.etag,
    size: part.bytes,
    ...(part.checksum ? { checksum: part.checksum } : {}),
    ...(part.checksumAcknowledged ? { checksumAcknowledged: true } : {}),
    ...(part.md5 ? { md5: part.md5 } : {}),
  };
}

export async function runMultipart(context: TransferContext, spec: MultipartSpec): Promise<TransferResult> {
  const { options, events, concurrency, dest } = context;
  const algorithm: ChecksumAlgorithm | null = context.algorithm;
  // With keepForResume the caller's signal means "stop and keep the upload", not "cancel and abort it".
  const stop = options.keepForResume ? options.signal : undefined;
  const cancel = options.keepForResume ? undefined : options.signal;

  let journal: Journal | undefined;
  let uploadId: string;
  if (spec.resumed) {
    uploadId = spec.resumed.uploadId;
    journal = await Journal.append(spec.resumed.journalPath);
    // A resume that found no upload (a crash before CreateMultipartUpload answered) creates it now.
    if (!uploadId) {
      uploadId = await createUpload(dest, spec.attributes, algorithm, cancel);
      await journal.uploadCreated(uploadId);
    }
  } else {
    // The journal goes to disk before the upload exists, so no crash can leave an upload nobody knows of.
    try {
      if (spec.journal) journal = await Journal.create(spec.journal.path, spec.journal.header(""));
    } catch (error) {
      throw new TransferError(
        "JOURNAL",
        `cannot write the journal: ${(error as Error).message}; use --no-journal to go without`,
        { bucket: dest.bucket, key: dest.key },
        { cause: error },
      );
    }
    try {
      uploadId = await createUpload(dest, spec.attributes, algorithm, cancel);
    } catch (error) {
      await journal?.finish({ type: "aborted", reason: "CreateMultipartUpload failed" });
      await journal?.close();
      throw error;
    }
    try {
      await journal?.uploadCreated(uploadId);
    } catch (error) {
      await abortUpload(dest, uploadId);
      throw error;
    }
  }
  const location: Location = { bucket: dest.bucket, key: dest.key, uploadId };
  const journalPath = journal?.path;

  const done = spec.resumed?.done ?? [];
  const progress = new PartProgress(concurrency.max);
  progress.completedBytes = done.reduce((sum, part) => sum + part.bytes, 0);
  progress.partsDone = done.length;
  events.partsResumed = done.length;
  const stream = spec.stream;
  const totals = () => ({
    totalBytes: spec.size ?? (stream?.done ? stream.bytesRead : null),
    partCount:
      spec.plan.partCount ??
      (stream?.done ? Math.max(1, Math.ceil(stream.bytesRead / spec.plan.partSize)) : null),
  });
  events.emit(startEvent(context, spec.plan, spec.size, "multipart", uploadId));
  events.track(progress, totals, concurrency);

  let summary: RunPartsSummary;
  let parts: PartDone[];
  let completed: { etag: string; versionId?: string };
  let objectSize: number;
  let checksum: string | null;
  try {
    summary = await runParts(untilStopped(spec.jobs(uploadId), stop), {
      pool: context.pool,
      concurrency,
      retry: resolveRetry(options.retry),
      location,
      emit: events.emit,
      progress,
      ...(cancel ? { signal: cancel } : {}),
      onPart: async (part: PartDone) => {
        stream?.release(part.partNumber);
        await journal?.part(partLine(part));
      },
    });
    if (stop?.aborted) {
      throw new TransferError("INTERRUPTED", "interrupted", location, { exitCode: 130 });
    }
    parts = [...done, ...summary.parts].sort((a, b) => a.partNumber - b.partNumber);
    objectSize = spec.size ?? stream!.bytesRead;
    checksum = objectChecksum(algorithm, parts);
    await spec.beforeComplete?.(parts, checksum, location);
    completed = await completeUpload(dest, uploadId, parts, algorithm, checksum, objectSize);
  } catch (error) {
    events.stop();
    const diagnosed = spec.diagnose ? await spec.diagnose(error, location) : error;
    throw await failMultipart(context, diagnosed, location, journal, spec, stop);
  }
  events.stop(progress, totals(), concurrency);
  const tagNote = await ensureTags(dest, completed.versionId, spec.attributes.tagging);
  if (tagNote) context.notes.push(tagNote);
  const head = await headObject(dest, completed.versionId);
  const expected = spec.expectations(parts, checksum);
  const verified = verifyObject(head, {
    bucket: dest.bucket,
    key: dest.key,
    size: objectSize,
    algorithm,
    checksum: expected.checksum === undefined ? checksum : expected.checksum,
    ...(expected.etag !== undefined ? { etag: expected.etag } : {}),
    etagMismatchIsError: expected.etagMismatchIsError,
  });
  const result = buildResult(context, {
    request: "multipart",
    size: objectSize,
    plan: spec.plan,
    // Some servers (this Ceph) complete with an empty ETag: the HEAD has the real one.
    etag: completed.etag || head.ETag || "",
    versionId: completed.versionId ?? head.VersionId,
    summary: { ...summary, parts },
    checksum,
    checksumType: checksumTypeFor(algorithm),
    verified,
    uploadId,
    partsResumed: done.length,
    partsSent: summary.parts.length,
    ...(journalPath ? { journalPath } : {}),
  });
  spec.afterVerify?.(result);
  if (journal) {
    await journal.finish({
      type: "completed",
      etag: result.etag,
      ...(result.versionId ? { versionId: result.versionId } : {}),
      result,
    });
    await journal.close();
  }
  return result;
}

/**
 * After a failure: keep the upload when it can be resumed and should be (interrupted, or a transient failure
 * with a journal, or the caller asked to keep it), else abort it and close the journal as aborted.
 */
async function failMultipart(
  context: TransferContext,
  error: unknown,
  location: Location,
  journal: Journal | undefined,
  spec: MultipartSpec,
  stop: AbortSignal | undefined,
): Promise<TransferError> {
  const { options, dest } = context;
  const cause = options.signal?.aborted && !stop ? options.signal.reason : error;
  const failure = explainS3Error(cause, location, `the ${context.operation}`);
  const interrupted = failure.code === "INTERRUPTED" || (stop?.aborted ?? false);
  const keep =
    journal !== undefined &&
    (interrupted || options.keepOnError === true || (failure.transient && failure.code !== "SOURCE_CHANGED"));
  if (keep) {
    await journal!.flush();
    await journal!.close();
    const how = spec.resumeCommand ? `: run "${spec.resumeCommand}"` : "";
    const what = interrupted ? "interrupted" : failure.message.replace(/ \(s3:\/\/[^)]*\)$/, "");
    return new TransferError(
      interrupted ? "INTERRUPTED" : failure.code,
      `${what}; the upload was kept and can be resumed${how} (journal ${journal!.path})`,
      { ...location, ...(failure.partNumber ? { partNumber: failure.partNumber } : {}) },
      {
        cause: failure,
        exitCode: interrupted ? 130 : failure.exitCode,
        transient: failure.transient,
        journalPath: journal!.path,
      },
    );
  }
  const aborted = await abortUpload(dest, location.uploadId);
  if (journal) {
    await journal.finish({ type: "aborted", reason: failure.message });
    await journal.close();
  }
  return withAbortNote(failure, aborted, location);
}
