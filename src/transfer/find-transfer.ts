/**
 * What a nightly job needs to find from the destination alone: the journal of the last transfer to
 * s3://bucket/key (default location, or the one the caller gave), and whether it is unfinished.
 */
import { access } from "node:fs/promises";
import type { SourceIdentity } from "../journal/format.js";
import { defaultJournalPath } from "../journal/location.js";
import { TransferJournal, UnfinishedTransferError } from "../journal/transfer-journal.js";
import { UsageError } from "../errors.js";
import { createMainClient } from "../s3/client-settings.js";
import { explainS3Error } from "../s3/error-explain.js";
import { abortUpload } from "../s3/multipart-requests.js";
import type { ContextServices } from "./job-context.js";
import type { CommonTransferOptions } from "./options.js";
import type { TransferResult } from "./result.js";
import { resumeRecorded, type ResumeOptions } from "./resume-recorded.js";

/** A recorded transfer to one destination, as its journal tells it. */
export interface RecordedTransfer {
  journalPath: string;
  /** unfinished: its multipart upload may still be on the server, and `resume` can finish it. */
  state: "unfinished" | "completed" | "aborted";
  operation: "upload" | "copy" | "download";
  /** The source as recorded: a file (path, size, mtime, inode) or an S3 object (bucket, key, version, ETag). */
  source: SourceIdentity;
  /** Empty when the transfer stopped between its journal's header and CreateMultipartUpload's answer. */
  uploadId: string;
  createdAt: string;
  /** Parts recorded as finished. */
  partsDone: number;
  partCount: number;
}

export interface FindTransferOptions {
  bucket: string;
  key: string;
  /** The journal path the transfer was run with, when not the default one. */
  journal?: string;
  /** @internal the environment the default location is read from ($XDG_STATE_HOME) */
  env?: NodeJS.ProcessEnv;
}

/**
 * The journal path and state of the last transfer to this destination, or undefined when there is none.
 * A journal that exists but cannot be read is an error (UsageError, code JOURNAL), never "none".
 */
export async function findTransfer(options: FindTransferOptions): Promise<RecordedTransfer | undefined> {
  const journalPath = options.journal ?? defaultJournalPath(options.bucket, options.key, options.env);
  try {
    await access(journalPath);
  } catch {
    return undefined;
  }
  const journal = await TransferJournal.read(journalPath);
  const { header } = journal;
  const state = journal.end ? (journal.end.type === "completed" ? "completed" : "aborted") : "unfinished";
  return {
    journalPath,
    state,
    operation: header.operation,
    source: header.source,
    uploadId: header.uploadId,
    createdAt: header.createdAt,
    partsDone: journal.parts.size,
    partCount: header.plan.partCount,
  };
}

/** What upload/copy do when an unfinished transfer to the same destination is recorded. */
export type OnUnfinished = "resume" | "restart" | "fail";

const ON_UNFINISHED: readonly OnUnfinished[] = ["resume", "restart", "fail"];

/**
 * Settles an unfinished recorded transfer before a new one to the same destination starts, as the caller
 * asked. Returns the result when it resumed the recorded transfer; undefined when the new transfer may go
 * ahead (nothing unfinished, or it was aborted for a restart, or "fail": the job's own claim refuses).
 * The transfer's lock is taken first, so a transfer another process is running refuses (TRANSFER_RUNNING)
 * whatever `onUnfinished` says.
 */
export async function settleUnfinished(
  options: CommonTransferOptions & { onUnfinished?: OnUnfinished | undefined },
  /** Why the recorded source is not this transfer's source; undefined when it is the same. */
  sourceDiffers: (recorded: SourceIdentity) => Promise<string | undefined>,
  resumeOptions: ResumeOptions,
  services: ContextServices,
): Promise<TransferResult | undefined> {
  const mode = options.onUnfinished ?? "fail";
  if (!ON_UNFINISHED.includes(mode)) {
    throw new UsageError(
      "USAGE",
      `onUnfinished must be one of ${ON_UNFINISHED.join(", ")}, got "${String(mode)}"`,
    );
  }
  if (mode === "fail" || options.journal === false) return undefined;
  const { bucket, key } = options;
  const journalPath = options.journal ?? defaultJournalPath(bucket, key);
  const lock = await TransferJournal.claim(journalPath, `s3://${bucket}/${key}`);
  let recorded: RecordedTransfer | undefined;
  try {
    recorded = await findTransfer({ bucket, key, journal: journalPath });
    if (recorded?.state !== "unfinished") {
      await lock.release();
      return undefined;
    }
    if (mode === "restart") {
      await abortRecorded(options, recorded);
      await TransferJournal.finishAt(journalPath, { type: "aborted", reason: "restarted" });
      // The fresh transfer takes the lock itself.
      await lock.release();
      return undefined;
    }
    const differs = await sourceDiffers(recorded.source);
    if (differs) {
      throw new UnfinishedTransferError(
        `an unfinished transfer to s3://${bucket}/${key} is recorded in ${journalPath}, from another source (${differs}); onUnfinished "resume" continues only the same source`,
        { bucket, key },
        journalPath,
      );
    }
  } catch (error) {
    await lock.release();
    throw error;
  }
  // The lock goes with the resumed transfer (released when it ends).
  return resumeRecorded(journalPath, lock, resumeOptions, services);
}

/** Aborts a recorded transfer's multipart upload; an upload already gone is fine. */
async function abortRecorded(options: CommonTransferOptions, recorded: RecordedTransfer): Promise<void> {
  if (!recorded.uploadId) return;
  const client = createMainClient(options);
  try {
    const abort = await abortUpload({ client, bucket: options.bucket, key: options.key }, recorded.uploadId);
    if (!abort.aborted) {
      throw explainS3Error(
        abort.error,
        { bucket: options.bucket, key: options.key, uploadId: recorded.uploadId },
        "aborting the recorded upload",
      );
    }
  } finally {
    if (!options.client) client.destroy();
  }
}

/** This run's options as resume takes them: how to connect and run, not what to transfer (the journal says). */
export function resumeOptionsOf(
  options: CommonTransferOptions & { sourceSseCustomerKey?: Uint8Array | string },
): ResumeOptions {
  const picked: Record<string, unknown> = {};
  for (const name of RESUME_OPTION_NAMES) {
    if (options[name as keyof typeof options] !== undefined)
      picked[name] = options[name as keyof typeof options];
  }
  return picked as ResumeOptions;
}

const RESUME_OPTION_NAMES = [
  "client",
  "credentials",
  "region",
  "endpoint",
  "forcePathStyle",
  "profile",
  "caBundle",
  "verifySsl",
  "connectTimeoutMs",
  "idleTimeoutMs",
  "onWarning",
  "onEvent",
  "onProgress",
  "concurrency",
  "threads",
  "signal",
  "keepForResume",
  "keepOnError",
  "retry",
  "sseCustomerKey",
  "sourceSseCustomerKey",
  "keepJournal",
  "limits",
] as const;
