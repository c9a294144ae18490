/**
 * Finishes a download recorded in a journal: checks the object is still the one the download started from,
 * re-reads every finished range from the partial file and checks it against the journal (no network),
 * fetches only the ranges missing or damaged, and verifies and renames exactly as a fresh download would.
 */
import { rm, stat, truncate } from "node:fs/promises";
import { TransferError, UsageError } from "../errors.js";
import { JournalFormatError, type JournalHeader, type ParsedJournal } from "../journal/format.js";
import { JournalFile } from "../journal/journal-file.js";
import { partRange, type TransferPlan } from "../planner/index.js";
import { sseKeyMd5 } from "../journal/header.js";
import type { TransferEventData } from "../transfer/events.js";
import { stampEvent } from "../transfer/transfer-events.js";
import type { DigestPartTask, PartOutcome } from "../workers/tasks.js";
import { download, downloadToFile, headObject, runDownload } from "./download.js";
import { journaledRanges, planFromHeader } from "./download-journal.js";
import type { DownloadPlan } from "./download-plan.js";
import type { ObjectFacts } from "./object-facts.js";
import { createPartial, partialPath } from "./partial-file.js";
import { openSession, type DownloadSession, type SessionOptions } from "./session.js";
import type { DownloadOptions, DownloadResult } from "./types.js";
import type { RangeDigest } from "./verify-download.js";

export type ResumeDownloadOptions = Omit<
  SessionOptions,
  "bucket" | "key" | "versionId" | "partSize" | "strictPartSize" | "multipartThreshold" | "journal"
> & {
  /** Throw the partial file away and download the object again from the start. */
  restart?: boolean;
};

export async function readDownloadJournal(path: string): Promise<ParsedJournal> {
  let journal: ParsedJournal;
  try {
    journal = await JournalFile.read(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UsageError(
        "USAGE",
        `no journal at ${path}: nothing to resume (was the download run with --no-journal?)`,
      );
    }
    if (error instanceof JournalFormatError)
      throw new UsageError("JOURNAL", `${path} is not a usable journal: ${error.message}`);
    throw error;
  }
  if (journal.header.operation !== "download" || !journal.header.download) {
    throw new UsageError("USAGE", `${path} does not record a download`);
  }
  return journal;
}

export async function resumeDownload(
  journalPath: string,
  options: ResumeDownloadOptions = {},
): Promise<DownloadResult> {
  const journal = await readDownloadJournal(journalPath);
  const { header } = journal;
  const { path: destination, overwrite } = header.download!;
  if (journal.end?.type === "completed") {
    const result = journal.end.result as DownloadResult | undefined;
    if (!result)
      throw new UsageError("USAGE", `the download in ${journalPath} has completed; nothing to resume`);
    options.onEvent?.(stampEvent({ type: "note", message: "this download had already completed" }));
    options.onEvent?.(stampEvent({ type: "complete", result } as unknown as TransferEventData));
    return result;
  }
  if (journal.end?.type === "aborted") {
    throw new UsageError(
      "USAGE",
      `the download in ${journalPath} was abandoned (${journal.end.reason ?? "no reason recorded"}); nothing to resume: start it again with s3xfer cp`,
    );
  }
  checkSseKey(header, options);
  const endpoint = options.endpoint ?? (options.client ? undefined : header.destination.endpoint);
  const region = options.region ?? header.destination.region;
  const common: SessionOptions = {
    ...options,
    bucket: header.source.kind === "s3" ? header.source.bucket : header.destination.bucket,
    key: header.source.kind === "s3" ? header.source.key : header.destination.key,
    ...(header.source.kind === "s3" && header.source.versionId ? { versionId: header.source.versionId } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(header.requestPayer ? { requestPayer: header.requestPayer } : {}),
    ...(header.expectedBucketOwner ? { expectedBucketOwner: header.expectedBucketOwner } : {}),
  };
  if (options.restart) {
    await rm(partialPath(destination), { force: true });
    await rm(journalPath, { force: true });
    const again: DownloadOptions = { ...common, destination, overwrite, journal: journalPath };
    if (header.plan.layout === "uniform") again.partSize = header.plan.partSize;
    return download(again);
  }
  const session = openSession(common);
  return runDownload(session, async () => {
    const facts = await headObject(session);
    checkUnchanged(header, facts, destination, common);
    const plan = planFromHeader(header);
    const downloadPlan: DownloadPlan = {
      plan,
      rangesAreParts:
        plan.layout === "source" ||
        (plan.partCount === 1 && (facts.partCount === null || facts.partCount === 1)),
      rangeAlgorithm: header.checksumAlgorithm,
      md5: header.contentMd5,
      notes: [],
    };
    const partial = partialPath(destination);
    const info = await stat(partial).catch(() => undefined);
    let done = new Map<number, RangeDigest>();
    let partialReady = false;
    if (!info) {
      if (journal.parts.size > 0)
        session.notes.push(`the partial file ${partial} was missing: every range is fetched again`);
    } else {
      partialReady = true;
      if (info.size !== facts.size) await truncate(partial, facts.size);
      done = await recheckRanges(session, header, journaledRanges(journal, plan), plan, partial);
    }
    if (!partialReady) {
      const note = await createPartial(partial, facts.size);
      if (note) session.notes.push(note);
    }
    return downloadToFile(session, {
      facts,
      plan: downloadPlan,
      destination,
      overwrite,
      done,
      journal: await JournalFile.append(journalPath),
      partialReady: true,
    });
  });
}

function checkSseKey(header: JournalHeader, options: ResumeDownloadOptions): void {
  if (!header.sseCustomerKeyMd5) return;
  if (options.sseCustomerKey === undefined) {
    throw new UsageError(
      "USAGE",
      "this object is encrypted with SSE-C: give its key again with --sse-c-key (the journal keeps only its MD5)",
    );
  }
  const key =
    typeof options.sseCustomerKey === "string"
      ? Buffer.from(options.sseCustomerKey.trim(), "base64")
      : options.sseCustomerKey;
  if (sseKeyMd5(key) !== header.sseCustomerKeyMd5) {
    throw new UsageError("USAGE", "this SSE-C key is not the one the download was started with");
  }
}

/** The object must be exactly the one the finished ranges came from. */
function checkUnchanged(
  header: JournalHeader,
  facts: ObjectFacts,
  destination: string,
  where: SessionOptions,
): void {
  if (header.source.kind !== "s3") return;
  const changes: string[] = [];
  if (facts.etag !== header.source.etag) changes.push(`ETag ${header.source.etag} → ${facts.etag}`);
  if (facts.size !== header.source.size) changes.push(`size ${header.source.size} → ${facts.size}`);
  if (changes.length > 0) {
    throw new TransferError(
      "SOURCE_CHANGED",
      `the object changed since the download started (${changes.join(", ")}): the finished ranges cannot be used; ` +
        `start over with "s3xfer resume ${destination} --restart"`,
      { bucket: where.bucket, key: where.key },
    );
  }
}

/**
 * Re-reads each journaled range from the partial file in the worker pool and keeps those whose checksum (or
 * MD5) matches the journal. A range written but not fsynced before a crash, or damaged since, is fetched again.
 */
async function recheckRanges(
  session: DownloadSession,
  header: JournalHeader,
  journaled: Map<number, RangeDigest>,
  plan: TransferPlan,
  partial: string,
): Promise<Map<number, RangeDigest>> {
  if (journaled.size === 0) return journaled;
  session.events.emit({
    type: "note",
    message: `re-reading ${journaled.size} finished range(s) from ${partial} to check them`,
  });
  const info = await stat(partial);
  const file = { path: partial, size: info.size, mtimeMs: info.mtimeMs };
  const base = await session.taskBase();
  const algorithm = header.checksumAlgorithm ?? undefined;
  const checks = [...journaled].map(async ([n, recorded]): Promise<[number, RangeDigest] | undefined> => {
    const range = partRange(plan, n);
    if (range.size !== recorded.size) return undefined;
    const task: DigestPartTask = {
      ...base,
      kind: "digest-part",
      partNumber: n,
      body: { type: "file", file, start: range.start, end: range.end },
      ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
    };
    const outcome: PartOutcome = await session.pool.run(task);
    if (!outcome.ok) return undefined;
    const same = recorded.checksum
      ? outcome.checksum === recorded.checksum
      : recorded.md5 !== undefined && outcome.md5 === recorded.md5;
    return same ? [n, recorded] : undefined;
  });
  const kept = new Map(
    (await Promise.all(checks)).filter((e): e is [number, RangeDigest] => e !== undefined),
  );
  const redone = journaled.size - kept.size;
  if (redone > 0) {
    session.notes.push(
      `${redone} finished range(s) did not match the journal when re-read and were fetched again`,
    );
  }
  return kept;
}
