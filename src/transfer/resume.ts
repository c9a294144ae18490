/**
 * Finishes a transfer recorded in a journal: the same lifecycle as a fresh transfer (src/transfer/job.ts),
 * entered with the journal. The source is rebuilt from what the journal recorded and refuses if it changed;
 * the job asks the server which parts it has and the source judges them; only what is missing is sent.
 */
import { createMainClient } from "../s3/client-settings.js";
import { explainS3Error } from "../s3/error-explain.js";
import type { JournalHeader, ParsedJournal } from "../journal/format.js";
import { defaultJournalPath } from "../journal/location.js";
import { TransferJournal } from "../journal/transfer-journal.js";
import { abortUpload } from "../s3/multipart-requests.js";
import { copy } from "./copy.js";
import type { ContextServices } from "./job-context.js";
import type { CommonTransferOptions } from "./options.js";
import type { TransferResult } from "./result.js";
import { recordedOptions, resumeRecorded, type ResumeOptions } from "./resume-recorded.js";
import { upload } from "./upload.js";

export type { ResumeOptions } from "./resume-recorded.js";

/** Which recorded transfer to resume: its journal's path, or its destination (the default journal for it). */
export type ResumeTarget = string | { bucket: string; key: string; journal?: string };

/** The journal a resume target names. */
export function journalPathOf(target: ResumeTarget): string {
  if (typeof target === "string") return target;
  return target.journal ?? defaultJournalPath(target.bucket, target.key);
}

/**
 * Finishes the transfer recorded in a journal: `resume(journalPath)`, or `resume({ bucket, key })` for the
 * last transfer to that destination (its default journal).
 */
export async function resume(
  target: ResumeTarget,
  options: ResumeOptions = {},
  /** @internal stand-ins for tests (the worker pool) */
  services: ContextServices = {},
): Promise<TransferResult> {
  const journalPath = journalPathOf(target);
  // One process per transfer: taken before the journal is read, so nothing below races another run.
  const lock = await TransferJournal.claim(journalPath, `the transfer in ${journalPath}`);
  if (!options.restart) return resumeRecorded(journalPath, lock, options, services);
  let journal: ParsedJournal;
  try {
    journal = await TransferJournal.read(journalPath);
  } catch (error) {
    await lock.release();
    throw error;
  }
  // A finished transfer is reported (completed) or refused (aborted) as without --restart.
  if (journal.end) return resumeRecorded(journalPath, lock, options, services);
  const { header } = journal;
  // The fresh transfer takes the lock itself.
  await lock.release();
  return restart(journalPath, header, recordedOptions(header, options), options, services);
}

/** Aborts the recorded upload (if it is still there) and runs the transfer again from the start. */
async function restart(
  journalPath: string,
  header: JournalHeader,
  common: CommonTransferOptions & { contentMd5: boolean },
  options: ResumeOptions,
  services: ContextServices,
): Promise<TransferResult> {
  if (header.uploadId) {
    const client = createMainClient(common);
    try {
      const abort = await abortUpload(
        { client, bucket: header.destination.bucket, key: header.destination.key },
        header.uploadId,
      );
      if (!abort.aborted)
        throw explainS3Error(abort.error, header.destination, "aborting the recorded upload");
    } finally {
      if (!common.client) client.destroy();
    }
  }
  await TransferJournal.finishAt(journalPath, { type: "aborted", reason: "restarted" });
  const { partSize: _recordedPartSize, ...fresh } = { ...common, journal: journalPath };
  if (header.source.kind === "file") return upload({ ...fresh, source: header.source.path }, services);
  const { bucket, key } = header.source;
  return copy({
    ...fresh,
    source: { bucket, key },
    ...(options.sourceSseCustomerKey !== undefined
      ? { sourceSseCustomerKey: options.sourceSseCustomerKey }
      : {}),
  });
}
