import type { S3Client } from "@aws-sdk/client-s3";
import { TransferJournal } from "../journal/transfer-journal.js";
import { defaultJournalPath } from "../journal/location.js";
import { createMainClient, type ConnectionOptions } from "../s3/client-settings.js";
import { TransferError, UsageError } from "../errors.js";
import { explainS3Error } from "../s3/error-explain.js";
import { abortUpload, listParts, listUploads as listUploadPages } from "../s3/multipart-requests.js";

export interface InProgressUpload {
  bucket: string;
  key: string;
  uploadId: string;
  initiated: Date | undefined;
  ageMs: number | undefined;
  parts: number;
  bytes: number;
  /** The local journal that can resume it, if there is one on this machine. */
  journal: string | undefined;
}

/** Multipart uploads in progress under s3://bucket/prefix, with what they hold so far. */
export async function listUploads(
  bucket: string,
  prefix: string,
  connection: ConnectionOptions = {},
  now = Date.now(),
): Promise<InProgressUpload[]> {
  const client = createMainClient(connection);
  try {
    const uploads: InProgressUpload[] = [];
    try {
      for await (const upload of listUploadPages(client, bucket, prefix)) {
        uploads.push(
          await describeUpload(client, bucket, upload.key, upload.uploadId, upload.initiated, now),
        );
      }
    } catch (error) {
      throw explainS3Error(error, { bucket, key: prefix }, "listing uploads");
    }
    return uploads;
  } finally {
    if (!connection.client) client.destroy();
  }
}

async function describeUpload(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
  initiated: Date | undefined,
  now: number,
): Promise<InProgressUpload> {
  const parts = await listParts({ client, bucket, key }, uploadId).catch(() => new Map());
  let bytes = 0;
  for (const part of parts.values()) bytes += Math.max(0, part.size);
  const path = defaultJournalPath(bucket, key);
  const journal = await TransferJournal.read(path).then(
    (j) => (j.header.uploadId === uploadId && !j.end ? path : undefined),
    () => undefined,
  );
  return {
    bucket,
    key,
    uploadId,
    initiated,
    ageMs: initiated ? now - initiated.getTime() : undefined,
    parts: parts.size,
    bytes,
    journal,
  };
}

/** Aborts the uploads older than `olderThanMs` (all listed, aborted unless dryRun). */
export async function cleanUploads(
  bucket: string,
  prefix: string,
  olderThanMs: number,
  options: ConnectionOptions & { dryRun?: boolean } = {},
): Promise<{ aborted: InProgressUpload[]; kept: InProgressUpload[] }> {
  const uploads = await listUploads(bucket, prefix, options);
  const old = uploads.filter((u) => u.ageMs !== undefined && u.ageMs >= olderThanMs);
  const kept = uploads.filter((u) => !old.includes(u));
  if (!options.dryRun) {
    const client = createMainClient(options);
    try {
      for (const upload of [...old]) {
        // A transfer another process is running now is not an orphan, however old its upload is.
        const lock = upload.journal
          ? await TransferJournal.claim(upload.journal, `s3://${bucket}/${upload.key}`).catch(() => undefined)
          : undefined;
        if (upload.journal && !lock) {
          old.splice(old.indexOf(upload), 1);
          kept.push(upload);
          continue;
        }
        try {
          await abortOne(client, bucket, upload);
        } finally {
          await lock?.release();
        }
      }
    } finally {
      if (!options.client) client.destroy();
    }
  }
  return { aborted: old, kept };
}

async function abortOne(client: S3Client, bucket: string, upload: InProgressUpload): Promise<void> {
  const abort = await abortUpload({ client, bucket, key: upload.key }, upload.uploadId);
  if (!abort.aborted)
    throw explainS3Error(abort.error, { bucket, key: upload.key, uploadId: upload.uploadId }, "aborting");
  if (upload.journal)
    await TransferJournal.finishAt(upload.journal, {
      type: "aborted",
      reason: "aborted by uploads clean",
    });
}

/**
 * Aborts a transfer's multipart upload: the one a journal records, or an explicit upload id. The journal,
 * if any, is closed as aborted so nothing tries to resume it.
 */
export async function abortTransfer(
  target: { journalPath: string } | { bucket: string; key: string; uploadId: string },
  connection: ConnectionOptions = {},
): Promise<{ bucket: string; key: string; uploadId: string }> {
  let bucket: string;
  let key: string;
  let uploadId: string;
  let journalPath: string | undefined;
  let endpoint: string | undefined;
  if ("journalPath" in target) {
    const journal = await TransferJournal.read(target.journalPath).catch(() => {
      throw new UsageError("USAGE", `no journal at ${target.journalPath}: name the upload with --upload-id`);
    });
    if (journal.end) {
      throw new UsageError(
        "USAGE",
        `the transfer in ${target.journalPath} has already ${journal.end.type === "completed" ? "completed" : "been aborted"}`,
      );
    }
    ({ bucket, key } = journal.header.destination);
    uploadId = journal.header.uploadId;
    journalPath = target.journalPath;
    endpoint = journal.header.destination.endpoint;
  } else {
    ({ bucket, key, uploadId } = target);
    const path = defaultJournalPath(bucket, key);
    const journal = await TransferJournal.read(path).catch(() => undefined);
    if (journal && !journal.end && journal.header.uploadId === uploadId) journalPath = path;
  }
  // Never pull an upload from under the process that is running it.
  const lock = journalPath ? await TransferJournal.claim(journalPath, `s3://${bucket}/${key}`) : undefined;
  try {
    await abortAndRecord(connection, endpoint, { bucket, key, uploadId }, journalPath);
  } finally {
    await lock?.release();
  }
  return { bucket, key, uploadId };
}

async function abortAndRecord(
  connection: ConnectionOptions,
  endpoint: string | undefined,
  { bucket, key, uploadId }: { bucket: string; key: string; uploadId: string },
  journalPath: string | undefined,
): Promise<void> {
  // A journal remembers the endpoint its upload lives on.
  const client = createMainClient(
    connection.endpoint || connection.client || !endpoint ? connection : { ...connection, endpoint },
  );
  try {
    const abort = await abortUpload({ client, bucket, key }, uploadId);
    if (!abort.aborted) throw explainS3Error(abort.error, { bucket, key, uploadId }, "aborting the upload");
    if (abort.alreadyGone && !journalPath) {
      // Named by the caller and not there: a mistyped id, or an upload already aborted or completed.
      throw new TransferError(
        "NO_SUCH_UPLOAD",
        `there is no multipart upload ${uploadId} on s3://${bucket}/${key} (already aborted or completed, or a mistyped id): ` +
          `"s3xfer uploads ls s3://${bucket}/${key}" lists the uploads in progress`,
        { bucket, key, uploadId },
      );
    }
  } finally {
    if (!connection.client) client.destroy();
  }
  if (journalPath)
    await TransferJournal.finishAt(journalPath, { type: "aborted", reason: "aborted by s3xfer abort" });
}
