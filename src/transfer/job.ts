/**
 * The one transfer lifecycle, shared by every kind of source: plan → journal → create → parts (bounded,
 * adaptive, retried) → complete or abort → verify → result. Resume is this same path entered with a journal.
 * The S3 client (options.client) and the part runner are injectable, so every decision here is unit-tested.
 */
import { TransferError, UsageError } from "../errors.js";
import { PartProgress } from "../engine/part-progress.js";
import { runParts, type PartDone, type PartJob, type RunPartsSummary } from "../engine/run-parts.js";
import type { ParsedJournal } from "../journal/format.js";
import { buildHeader } from "../journal/header.js";
import { TransferJournal } from "../journal/transfer-journal.js";
import { endpointFromEnvironment } from "../s3/client-settings.js";
import { explainS3Error } from "../s3/error-explain.js";
import {
  abortUpload,
  completeUpload,
  listParts,
  isNoSuchUpload,
  type ServerPart,
} from "../s3/multipart-requests.js";
import { failMultipart } from "./job-failure.js";
import { finishMultipart, completedBeforeInterruption } from "./job-finish.js";
import type { TransferContext } from "./job-context.js";
import { objectChecksum, partChecksumsKnownToServer } from "./part-checksums.js";
import { startEvent, type TransferResult } from "./result.js";
import type { TransferSource, UploadLocation } from "./sources/source.js";
import { adoptStartedSince, createUploadWithoutOrphans } from "./upload-creation.js";

/** A transfer entered from its journal. */
export interface ResumedTransfer {
  journalPath: string;
  journal: ParsedJournal;
}

/** Runs a transfer to its end; on failure reports one error event and throws. Always cleans up. */
export async function runJob(
  context: TransferContext,
  sourceOrFactory: TransferSource | (() => Promise<TransferSource>),
  resumed?: ResumedTransfer,
): Promise<TransferResult> {
  const { options, events } = context;
  try {
    // A source that must first be looked at on the server (a copy's) is made here, so its errors are reported.
    const source = typeof sourceOrFactory === "function" ? await sourceOrFactory() : sourceOrFactory;
    let result: TransferResult | undefined;
    // Every source decides whether one request will do (a stream knows only once it has read its first part).
    if (!resumed) result = await source.single(context);
    result ??= await runMultipart(context, source, resumed);
    events.emit({ type: "complete", result });
    return result;
  } catch (error) {
    // A cancelled transfer fails with whatever the caller aborted with, not the pool's AbortError.
    const cause =
      options.signal?.aborted && !(error instanceof TransferError) ? options.signal.reason : error;
    // Bad input stays a UsageError (exit 2); everything else names where the transfer failed.
    const failure =
      cause instanceof UsageError
        ? cause
        : explainS3Error(cause, { bucket: options.bucket, key: options.key }, `the ${context.operation}`);
    events.emit({
      type: "error",
      code: failure.code,
      message: failure.message,
      bucket: options.bucket,
      key: options.key,
      ...(failure instanceof TransferError && failure.uploadId ? { uploadId: failure.uploadId } : {}),
      ...(failure instanceof TransferError && failure.partNumber ? { partNumber: failure.partNumber } : {}),
      ...(failure instanceof TransferError && failure.journalPath
        ? { journalPath: failure.journalPath }
        : {}),
    });
    throw failure;
  } finally {
    events.stop();
    await context.dispose();
  }
}

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

/** The journal of a new transfer, written before the upload exists; undefined when there is none. */
async function beginJournal(
  context: TransferContext,
  source: TransferSource,
): Promise<TransferJournal | undefined> {
  const { options, target } = context;
  if (!source.journalValues) return undefined;
  const claimed = await TransferJournal.claimForNew(target, options.journal);
  if (!claimed) return undefined;
  context.hold(claimed.lock);
  const { path } = claimed;
  const endpoint = options.endpoint ?? endpointFromEnvironment();
  const header = buildHeader({
    operation: context.operation,
    ...source.journalValues(context),
    destination: {
      bucket: target.bucket,
      key: target.key,
      ...(endpoint ? { endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
    },
    plan: source.plan,
    algorithm: context.algorithm,
    attributes: source.attributes,
    ...(target.sseCustomer ? { sseCustomerKey: target.sseCustomer.key } : {}),
    ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
    ...(options.expectedBucketOwner ? { expectedBucketOwner: options.expectedBucketOwner } : {}),
  });
  try {
    return await TransferJournal.begin(path, header);
  } catch (error) {
    throw new TransferError(
      "JOURNAL",
      `cannot write the journal ${path}: ${(error as Error).message}; free space or fix its directory's permissions, or use --no-journal to go without`,
      { bucket: target.bucket, key: target.key },
      { cause: error },
    );
  }
}

/** The parts the server holds, or undefined when the upload no longer exists. */
async function serverParts(
  context: TransferContext,
  uploadId: string,
): Promise<Map<number, ServerPart> | undefined> {
  try {
    return await listParts(context.target, uploadId);
  } catch (error) {
    if (isNoSuchUpload(error)) return undefined;
    throw error;
  }
}

type Started =
  | { kind: "running"; uploadId: string; journal: TransferJournal | undefined; done: PartDone[] }
  | { kind: "finished"; result: TransferResult };

/** Creates the upload (new transfer), or finds it and the parts already done (resume). */
async function startUpload(
  context: TransferContext,
  source: TransferSource,
  resumed: ResumedTransfer | undefined,
  cancel: AbortSignal | undefined,
): Promise<Started> {
  if (!resumed) {
    const journal = await beginJournal(context, source);
    let uploadId: string;
    try {
      uploadId = await createUploadWithoutOrphans(context, source.attributes, cancel);
    } catch (error) {
      // Nothing was created: the journal has nothing to resume.
      await journal?.discard();
      throw error;
    }
    try {
      await journal?.uploadCreated(uploadId);
    } catch (error) {
      await abortUpload(context.target, uploadId);
      await journal?.discard();
      throw error;
    }
    return { kind: "running", uploadId, journal, done: [] };
  }
  const { header } = resumed.journal;
  // A journal without an upload id was cut off between its header and Create's answer: the upload may exist.
  const uploadId =
    header.uploadId ||
    (await adoptStartedSince(context, Date.parse(header.createdAt), "created just before the interruption"));
  if (uploadId) {
    const server = await serverParts(context, uploadId);
    if (!server) {
      const result = await completedBeforeInterruption(context, source, header, uploadId);
      await TransferJournal.finishAt(resumed.journalPath, { type: "completed", etag: result.etag, result });
      return { kind: "finished", result };
    }
    const done = await source.reconcile(context, resumed.journal, server);
    const journal = await TransferJournal.reopen(resumed.journalPath);
    if (!header.uploadId) await journal.uploadCreated(uploadId);
    return { kind: "running", uploadId, journal, done };
  }
  const journal = await TransferJournal.reopen(resumed.journalPath);
  const created = await createUploadWithoutOrphans(context, source.attributes, cancel);
  await journal.uploadCreated(created);
  return { kind: "running", uploadId: created, journal, done: [] };
}

async function runMultipart(
  context: TransferContext,
  source: TransferSource,
  resumed: ResumedTransfer | undefined,
): Promise<TransferResult> {
  const { options, events, concurrency, target } = context;
  // With keepForResume the caller's signal means "stop and keep the upload", not "cancel and abort it".
  const stop = options.keepForResume ? options.signal : undefined;
  const cancel = options.keepForResume ? undefined : options.signal;
  const started = await startUpload(context, source, resumed, cancel);
  if (started.kind === "finished") return started.result;
  const { uploadId, journal, done } = started;
  const location: UploadLocation = { bucket: target.bucket, key: target.key, uploadId };
  const plan = source.plan;

  const progress = new PartProgress(concurrency.max);
  progress.completedBytes = done.reduce((sum, part) => sum + part.bytes, 0);
  progress.partsDone = done.length;
  events.partsResumed = done.length;
  const totals = () => {
    const size = source.size();
    return {
      totalBytes: size,
      partCount: plan.partCount ?? (size !== null ? Math.max(1, Math.ceil(size / plan.partSize)) : null),
    };
  };
  events.emit(startEvent(context, source, plan, source.size(), "multipart", uploadId));
  events.track(progress, totals, concurrency);

  let summary: RunPartsSummary;
  let parts: PartDone[];
  let completed: { etag: string; versionId?: string };
  let checksum: string | null;
  const skip = new Set(done.map((p) => p.partNumber));
  try {
    summary = await runParts(untilStopped(source.partJobs(context, uploadId, skip), stop), {
      runner: context.runner,
      concurrency,
      retry: context.retry,
      location,
      emit: events.emit,
      progress,
      ...(cancel ? { signal: cancel } : {}),
      onPart: async (part: PartDone) => {
        source.partSent?.(part.partNumber);
        await journal?.part(partLine(part));
      },
    });
    if (stop?.aborted) throw new TransferError("INTERRUPTED", "interrupted", location, { exitCode: 130 });
    parts = [...done, ...summary.parts].sort((a, b) => a.partNumber - b.partNumber);
    checksum = objectChecksum(context.algorithm, parts);
    await source.beforeComplete?.(context, parts, checksum, location);
    completed = await completeUpload(target, {
      uploadId,
      parts,
      algorithm: context.algorithm,
      partChecksums: partChecksumsKnownToServer(parts),
      fullObjectChecksum: checksum,
      objectSize: source.size()!,
      ...(options.ifNoneMatch ? { ifNoneMatch: options.ifNoneMatch } : {}),
    });
  } catch (error) {
    events.stop();
    const diagnosed = source.diagnose ? await source.diagnose(context, error, location) : error;
    throw await failMultipart(context, diagnosed, location, journal, stop);
  }
  events.stop(progress, totals(), concurrency);
  return finishMultipart(context, source, {
    location,
    journal,
    parts,
    summary,
    completed,
    checksum,
    partsResumed: done.length,
  });
}
