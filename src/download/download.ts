/**
 * `download`: s3://bucket/key to a file or a stream. HEAD first (size, ETag, version, checksum, layout), then
 * ranged GETs by worker threads, each pinned to that object with If-Match, written at their offsets into a
 * partial file beside the destination; verified, fsynced and renamed over the destination at the end.
 */
import type { Writable } from "node:stream";
import { TransferError, UsageError } from "../errors.js";
import { JournalFile } from "../journal/journal-file.js";
import { sseKeyMd5 } from "../journal/header.js";
import { describeSource } from "../transfer/sources/source-object.js";
import { explainS3Error } from "../s3/error-explain.js";
import type { TransferEventData } from "../transfer/events.js";
import { planDownload, type DownloadPlan } from "./download-plan.js";
import { checkNoUnfinishedDownload, downloadJournalHeader, downloadJournalPath } from "./download-journal.js";
import { factsFromHead, type ObjectFacts } from "./object-facts.js";
import {
  LocalFileError,
  createPartial,
  finishPartial,
  partialPath,
  removePartial,
  resolveDestination,
} from "./partial-file.js";
import { emitStart, runRanges } from "./run-ranges.js";
import { openSession, validateDownloadOptions, type DownloadSession } from "./session.js";
import { StreamWindow } from "./stream-window.js";
import type { DownloadOptions, DownloadResult } from "./types.js";
import { verifyDownload, type RangeDigest } from "./verify-download.js";

export async function download(options: DownloadOptions): Promise<DownloadResult> {
  validateDownloadOptions(options);
  const toFile = typeof options.destination === "string";
  // Local checks first: a destination that cannot be written fails before any request.
  const destination = toFile
    ? await resolveDestination(options.destination as string, options.key, options.overwrite ?? false)
    : "-";
  const journalPath =
    toFile && options.journal !== false ? (options.journal ?? downloadJournalPath(destination)) : undefined;
  if (journalPath) await checkNoUnfinishedDownload(journalPath, destination);
  const session = openSession(options);
  return runDownload(session, async () => {
    const facts = await headObject(session);
    const plan = planDownload(facts, {
      ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
      ...(options.strictPartSize !== undefined ? { strictPartSize: options.strictPartSize } : {}),
      ...(options.multipartThreshold !== undefined ? { multipartThreshold: options.multipartThreshold } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    session.notes.push(...plan.notes);
    if (!toFile) return downloadToStream(session, facts, plan, options.destination as Writable);
    return downloadToFile(session, {
      facts,
      plan,
      destination,
      overwrite: options.overwrite ?? false,
      done: new Map(),
      ...(journalPath && plan.plan.kind === "multipart" ? { newJournal: journalPath } : {}),
    });
  });
}

/** Runs a download body: one error event and a typed error on failure; the session is always closed. */
export async function runDownload(
  session: DownloadSession,
  body: () => Promise<DownloadResult>,
): Promise<DownloadResult> {
  const { options, events } = session;
  try {
    return await body();
  } catch (error) {
    const cause =
      options.signal?.aborted && !(error instanceof TransferError) ? options.signal.reason : error;
    const failure =
      cause instanceof UsageError || cause instanceof LocalFileError
        ? cause
        : explainS3Error(cause, { bucket: options.bucket, key: options.key }, "the download");
    events.emit({
      type: "error",
      code: failure.code,
      message: failure.message,
      bucket: options.bucket,
      key: options.key,
      ...(failure instanceof TransferError && failure.partNumber ? { partNumber: failure.partNumber } : {}),
    });
    throw failure;
  } finally {
    events.stop();
    await session.close();
  }
}

/** HEAD (checksums on, SSE-C key, payer, owner) and the part layout where it can be learned. */
export async function headObject(session: DownloadSession): Promise<ObjectFacts> {
  const { options } = session;
  const source = {
    bucket: options.bucket,
    key: options.key,
    ...(options.versionId ? { versionId: options.versionId } : {}),
  };
  try {
    const described = await describeSource(
      source,
      {
        client: session.client,
        ...(session.sseCustomer ? { sseCustomer: session.sseCustomer } : {}),
        ...(options.expectedBucketOwner ? { expectedOwner: options.expectedBucketOwner } : {}),
        ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
      },
      options.limits,
    );
    return factsFromHead(
      described.head,
      { layout: described.layout, ...(described.partSizes ? { partSizes: described.partSizes } : {}) },
      options.versionId,
    );
  } catch (error) {
    if (error instanceof UsageError && error.code === "SOURCE_UNREADABLE" && !session.sseCustomer) {
      throw new UsageError(
        "SOURCE_UNREADABLE",
        `s3://${options.bucket}/${options.key} cannot be read (HTTP 400): if it is encrypted with SSE-C, pass its key with --sse-c-key`,
      );
    }
    throw error;
  }
}

export interface FileDownload {
  facts: ObjectFacts;
  plan: DownloadPlan;
  destination: string;
  overwrite: boolean;
  /** Ranges already in the partial file, verified (resume). */
  done: Map<number, RangeDigest>;
  /** A new download: create its journal here. */
  newJournal?: string;
  /** A resumed download: its journal, to append to. */
  journal?: JournalFile;
  /** Resume: the partial file already exists with the object's size. */
  partialReady?: boolean;
  rechecked?: number;
}

export async function downloadToFile(session: DownloadSession, spec: FileDownload): Promise<DownloadResult> {
  const { options } = session;
  const { facts, plan, destination } = spec;
  const partial = partialPath(destination);
  let journal = spec.journal;
  if (spec.newJournal) {
    journal = await JournalFile.create(
      spec.newJournal,
      downloadJournalHeader({
        bucket: options.bucket,
        key: options.key,
        ...(session.endpoint ? { endpoint: session.endpoint } : {}),
        ...(options.region ? { region: options.region } : {}),
        destination,
        overwrite: spec.overwrite,
        facts,
        plan,
        ...(session.sseCustomer ? { sseCustomerKeyMd5: sseKeyMd5(session.sseCustomer.key) } : {}),
        ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
        ...(options.expectedBucketOwner ? { expectedBucketOwner: options.expectedBucketOwner } : {}),
      }),
    );
  }
  const keepable = journal !== undefined;
  // With a journal, the caller's signal means "stop and keep for resume"; without, "cancel".
  const stopOnSignal = keepable && options.keepForResume === true;
  try {
    if (!spec.partialReady) {
      const note = await createPartial(partial, facts.size);
      if (note) session.notes.push(note);
    }
    emitStart(session, facts, plan.plan, [...plan.plan.adjustments, ...session.notes]);
    const outcome = await runRanges({
      session,
      facts,
      plan,
      done: spec.done,
      target: () => ({ type: "file", path: partial }),
      destinationName: destination,
      ...(journal
        ? {
            onRange: (range, digest) =>
              journal.part({
                partNumber: range.partNumber,
                etag: "",
                size: digest.size,
                ...(digest.checksum ? { checksum: digest.checksum } : {}),
                ...(digest.md5 ? { md5: digest.md5 } : {}),
              }),
          }
        : {}),
      ...(options.signal ? (stopOnSignal ? { stop: options.signal } : { cancel: options.signal }) : {}),
    });
    if (stopOnSignal && options.signal?.aborted) {
      throw new TransferError(
        "INTERRUPTED",
        "interrupted",
        { bucket: options.bucket, key: options.key },
        {
          exitCode: 130,
        },
      );
    }
    const verified = verifyDownload({
      bucket: options.bucket,
      key: options.key,
      facts,
      ranges: outcome.digests,
      rangesAreParts: plan.rangesAreParts,
      rangeAlgorithm: plan.rangeAlgorithm,
    });
    await finishPartial(partial, destination, spec.overwrite);
    const result = buildResult(session, facts, plan, destination, {
      verified,
      retries: outcome.summary.retries,
      throttles: outcome.summary.throttles,
      partsResumed: spec.done.size,
      partsSent: outcome.fetched,
      ...(journal ? { journalPath: journal.path } : {}),
    });
    if (journal) {
      await journal.finish({ type: "completed", etag: facts.etag, result });
      await journal.close();
    }
    return result;
  } catch (error) {
    throw await failFileDownload(session, error, { journal, partial, destination, stopOnSignal });
  }
}

/**
 * After a failure: keep the partial file and journal when the download can be resumed and should be
 * (interrupted, a transient failure, or asked to); otherwise remove the partial file and close the journal.
 */
async function failFileDownload(
  session: DownloadSession,
  error: unknown,
  where: { journal: JournalFile | undefined; partial: string; destination: string; stopOnSignal: boolean },
): Promise<unknown> {
  const { options } = session;
  const location = { bucket: options.bucket, key: options.key };
  const interrupted =
    (error instanceof TransferError && error.code === "INTERRUPTED") ||
    (options.signal?.aborted === true && options.keepForResume === true);
  const failure =
    error instanceof UsageError || error instanceof LocalFileError
      ? error
      : explainS3Error(error, location, "the download");
  const transient =
    failure instanceof TransferError && failure.transient && failure.code !== "SOURCE_CHANGED";
  const keep = where.journal !== undefined && (interrupted || options.keepOnError === true || transient);
  if (keep) {
    await where.journal!.flush();
    await where.journal!.close();
    const what = interrupted ? "interrupted" : failure.message.replace(/ \(s3:\/\/[^)]*\)$/, "");
    return new TransferError(
      interrupted ? "INTERRUPTED" : failure.code,
      `${what}; the partial download was kept in ${where.partial}: run "s3xfer resume ${where.destination}" (journal ${where.journal!.path})`,
      location,
      {
        cause: failure,
        exitCode: interrupted ? 130 : failure.exitCode,
        transient,
        journalPath: where.journal!.path,
      },
    );
  }
  await removePartial(where.partial);
  if (where.journal) {
    await where.journal.finish({ type: "aborted", reason: failure.message });
    await where.journal.close();
  }
  return failure;
}

/** In order to a stream, with at most `concurrency` ranges in memory. Not resumable. */
async function downloadToStream(
  session: DownloadSession,
  facts: ObjectFacts,
  plan: DownloadPlan,
  writable: Writable,
): Promise<DownloadResult> {
  const { options } = session;
  const maxRange = plan.plan.offsets
    ? Math.max(...plan.plan.offsets.slice(1).map((end, i) => end - plan.plan.offsets![i]!))
    : plan.plan.partSize;
  const window = new StreamWindow(writable, session.concurrency.max, maxRange);
  emitStart(session, facts, plan.plan, [...plan.plan.adjustments, ...session.notes]);
  try {
    const outcome = await runRanges({
      session,
      facts,
      plan,
      done: new Map(),
      target: (range) => window.acquire(range),
      onRange: (range) => window.finished(range),
      destinationName: "the output stream",
      ...(options.signal ? { cancel: options.signal } : {}),
    });
    await window.drained();
    const verified = verifyDownload({
      bucket: options.bucket,
      key: options.key,
      facts,
      ranges: outcome.digests,
      rangesAreParts: plan.rangesAreParts,
      rangeAlgorithm: plan.rangeAlgorithm,
    });
    return buildResult(session, facts, plan, "-", {
      verified,
      retries: outcome.summary.retries,
      throttles: outcome.summary.throttles,
      partsResumed: 0,
      partsSent: outcome.fetched,
    });
  } finally {
    window.close();
  }
}

interface ResultFields {
  verified: ReturnType<typeof verifyDownload>;
  retries: number;
  throttles: number;
  partsResumed: number;
  partsSent: number;
  journalPath?: string;
}

function buildResult(
  session: DownloadSession,
  facts: ObjectFacts,
  plan: DownloadPlan,
  destination: string,
  r: ResultFields,
): DownloadResult {
  const { options } = session;
  const { computedChecksum, ...verified } = r.verified;
  const result: DownloadResult = {
    operation: "download",
    bucket: options.bucket,
    key: options.key,
    destination,
    etag: `"${facts.etag.replace(/^"|"$/g, "")}"`,
    ...(facts.versionId ? { versionId: facts.versionId } : {}),
    size: facts.size,
    request: plan.plan.kind === "multipart" ? "multipart" : "single",
    parts: plan.plan.kind === "empty" ? 0 : (plan.plan.partCount ?? 0),
    partSize: plan.plan.partSize,
    checksumAlgorithm: facts.checksum?.algorithm ?? null,
    checksumType: facts.checksum?.type ?? null,
    checksum: computedChecksum ?? facts.checksum?.value ?? null,
    verified,
    retries: r.retries,
    throttles: r.throttles,
    partsResumed: r.partsResumed,
    partsSent: r.partsSent,
    durationMs: Math.round(session.events.elapsedMs()),
    ...(r.journalPath ? { journalPath: r.journalPath } : {}),
    notes: [...plan.plan.adjustments, ...session.notes],
  };
  session.events.emit({ type: "complete", result } as unknown as TransferEventData);
  return result;
}
