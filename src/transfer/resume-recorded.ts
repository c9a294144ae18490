/**
 * The part of resume that runs with the transfer's lock already held: a completed journal is checked against
 * the object, an aborted one refused, and an unfinished one continued by the job (src/transfer/job.ts) with
 * the source rebuilt from what the journal recorded. Used by `resume` and by upload/copy's
 * `onUnfinished: "resume"`; it never starts a fresh transfer, so it imports no entry point.
 */
import { TransferError, UsageError } from "../errors.js";
import { classifyError } from "../s3/error-class.js";
import { headObject } from "../s3/object-requests.js";
import { unquote } from "./verify.js";
import { createMainClient, type ConnectionOptions } from "../s3/client-settings.js";
import { explainS3Error } from "../s3/error-explain.js";
import type { JournalHeader, ParsedJournal } from "../journal/format.js";
import { sseKeyMd5 } from "../journal/header.js";
import { planFromJournal } from "../journal/plan.js";
import { TransferJournal } from "../journal/transfer-journal.js";
import type { TransferLock } from "../journal/transfer-lock.js";
import type { EventOptions } from "./events.js";
import { createContext, type ContextServices, type TransferContext } from "./job-context.js";
import { runJob } from "./job.js";
import { resolveSseCustomerKey, type CommonTransferOptions } from "./options.js";
import type { TransferResult } from "./result.js";
import { attributesFromJournal } from "./sources/attributes.js";
import { FileSource } from "./sources/file-source.js";
import { S3ObjectSource } from "./sources/s3-object-source.js";
import type { TransferSource } from "./sources/source.js";
import { stampEvent } from "./transfer-events.js";

export interface ResumeOptions extends ConnectionOptions, EventOptions {
  concurrency?: number;
  threads?: number;
  signal?: AbortSignal;
  keepForResume?: boolean;
  keepOnError?: boolean;
  retry?: CommonTransferOptions["retry"];
  idleTimeoutMs?: number;
  /** Fail (keeping the upload) after no progress for this long (see CommonTransferOptions). */
  stallTimeoutMs?: number;
  /** Required again when the transfer used SSE-C: the journal keeps only its MD5. */
  sseCustomerKey?: Uint8Array | string;
  sourceSseCustomerKey?: Uint8Array | string;
  /** Abort the recorded upload and start the transfer over (when the source changed or the upload is gone). */
  restart?: boolean;
  /** Keep the journal once the transfer completed and was verified (by default it is removed). */
  keepJournal?: boolean;
  limits?: CommonTransferOptions["limits"];
}

/** How each kind of recorded source is rebuilt: resume itself knows no kind. */
const SOURCE_FROM_JOURNAL: Record<
  JournalHeader["source"]["kind"],
  (context: TransferContext, header: JournalHeader, options: ResumeOptions) => Promise<TransferSource>
> = {
  file: (_context, header) =>
    FileSource.fromJournal(header, planFromJournal(header.plan), attributesFromJournal(header.attributes)),
  s3: (context, header, options) => {
    const sourceKey = resolveSseCustomerKey(options.sourceSseCustomerKey, "SSE-C source key");
    return S3ObjectSource.fromJournal(
      header,
      planFromJournal(header.plan),
      attributesFromJournal(header.attributes),
      {
        client: context.client,
        ...(sourceKey ? { sseCustomer: sourceKey } : {}),
      },
    );
  },
};

/**
 * Continues the transfer recorded at `journalPath`, whose lock the caller holds: the lock is handed to the
 * job (released when the transfer ends) or released here on the way out.
 */
export async function resumeRecorded(
  journalPath: string,
  lock: TransferLock,
  options: ResumeOptions,
  services: ContextServices = {},
): Promise<TransferResult> {
  let handedOver = false;
  try {
    const journal = await TransferJournal.read(journalPath);
    const { header } = journal;
    if (header.operation === "download") {
      throw new UsageError("USAGE", `${journalPath} records a download: resume it with resumeDownload`);
    }
    const operation = header.operation;
    const common = recordedOptions(header, options);
    if (journal.end?.type === "completed")
      return await alreadyCompleted(journalPath, journal, common, options);
    if (journal.end?.type === "aborted") {
      throw new UsageError(
        "USAGE",
        `the transfer in ${journalPath} was aborted (${journal.end.reason ?? "no reason recorded"}); there is nothing to resume: start the transfer again`,
      );
    }
    checkSseKey(header, options);
    const context = createContext(operation, common, {}, services);
    context.hold(lock);
    handedOver = true;
    return await runJob(context, () => SOURCE_FROM_JOURNAL[header.source.kind](context, header, options), {
      journalPath,
      journal,
    });
  } finally {
    if (!handedOver) await lock.release();
  }
}

/**
 * A journal that says `completed` is reported as done only if the object is still the one it recorded
 * (size, ETag, version): a backup job must never be told a backup exists when it does not.
 */
async function alreadyCompleted(
  journalPath: string,
  journal: ParsedJournal,
  common: CommonTransferOptions,
  options: ResumeOptions,
): Promise<TransferResult> {
  const end = journal.end!;
  const recorded = end.result as TransferResult | undefined;
  const { bucket, key } = journal.header.destination;
  const url = `s3://${bucket}/${key}`;
  const client = createMainClient(common);
  let head;
  try {
    head = await headObject({ client, bucket, key }).catch((error: unknown) => {
      if (classifyError(error).httpStatus === 404) return undefined;
      throw explainS3Error(error, { bucket, key }, "checking the completed object");
    });
  } finally {
    if (!common.client) client.destroy();
  }
  const size = recorded?.size ?? journal.header.plan.objectSize;
  const etag = unquote(recorded?.etag ?? end.etag);
  const what = !head
    ? "is gone"
    : head.ContentLength !== size || (etag && unquote(head.ETag) !== etag)
      ? `is a different object now (size ${head.ContentLength}, ETag ${unquote(head.ETag)}; recorded ${size}, ${etag})`
      : undefined;
  if (what || !recorded) {
    throw new TransferError(
      "NOTHING_TO_RESUME",
      `the last recorded transfer to ${url} completed at ${end.at}, but the object ${what ?? "has no recorded result"}; nothing to resume: ` +
        `run the transfer again (journal ${journalPath})`,
      { bucket, key },
      { journalPath },
    );
  }
  const message = `this transfer had already completed at ${end.at}; the object is still the one it recorded (size, ETag)`;
  const result = { ...recorded, notes: [...recorded.notes, message] };
  options.onEvent?.(stampEvent({ type: "note", message }));
  options.onEvent?.(stampEvent({ type: "complete", result }));
  return result;
}

/** The transfer's options as the first run had them (from the journal), with this run's connection. */
export function recordedOptions(
  header: JournalHeader,
  options: ResumeOptions,
): CommonTransferOptions & { contentMd5: boolean } {
  const endpoint = options.endpoint ?? (options.client ? undefined : header.destination.endpoint);
  const region = options.region ?? header.destination.region;
  const { restart: _restart, sourceSseCustomerKey: _sourceKey, ...connection } = options;
  return {
    ...connection,
    ...attributesFromJournal(header.attributes),
    bucket: header.destination.bucket,
    key: header.destination.key,
    checksumAlgorithm: header.checksumAlgorithm ?? "NONE",
    contentMd5: header.contentMd5,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(header.requestPayer ? { requestPayer: header.requestPayer } : {}),
    ...(header.expectedBucketOwner ? { expectedBucketOwner: header.expectedBucketOwner } : {}),
    ...(options.sseCustomerKey !== undefined ? { sseCustomerKey: options.sseCustomerKey } : {}),
    partSize: header.plan.partSize,
  };
}

function checkSseKey(header: JournalHeader, options: ResumeOptions): void {
  if (!header.sseCustomerKeyMd5) return;
  const key = resolveSseCustomerKey(options.sseCustomerKey);
  if (!key) {
    throw new UsageError(
      "USAGE",
      "this transfer is encrypted with SSE-C: give the same key again with --sse-c-key (the journal keeps only its MD5)",
    );
  }
  if (sseKeyMd5(key.key) !== header.sseCustomerKeyMd5) {
    throw new UsageError(
      "USAGE",
      "the SSE-C key given is not the one this transfer was started with (its MD5 differs)",
    );
  }
}
