import { TransferError } from "../errors.js";
import type { TransferJournal } from "../journal/transfer-journal.js";
import { explainS3Error } from "../s3/error-explain.js";
import { abortUpload } from "../s3/multipart-requests.js";
import type { TransferContext } from "./job-context.js";
import type { UploadLocation } from "./sources/source.js";

/** Messages carry their location in a trailing "(s3://…)"; a re-wrapped error gets it once. */
export function stripLocation(message: string): string {
  return message.replace(/ \(s3:\/\/[^)]*\)$/, "");
}

function resumeCommand(location: UploadLocation): string {
  return `s3xfer resume s3://${location.bucket}/${location.key}`;
}

/**
 * After a multipart transfer failed: keep the upload when it can and should be resumed (interrupted, a
 * transient failure with a journal, or the caller asked to keep it), else abort it. The journal says
 * `aborted` only once the abort succeeded; an upload that could not be aborted stays resumable.
 */
export async function failMultipart(
  context: TransferContext,
  error: unknown,
  location: UploadLocation,
  journal: TransferJournal | undefined,
  stop: AbortSignal | undefined,
): Promise<TransferError> {
  const { options } = context;
  const cause = options.signal?.aborted && !stop ? options.signal.reason : error;
  const failure = explainS3Error(cause, location, `the ${context.operation}`);
  const interrupted = failure.code === "INTERRUPTED" || (stop?.aborted ?? false);
  const where = { ...location, ...(failure.partNumber ? { partNumber: failure.partNumber } : {}) };
  const keep =
    journal !== undefined &&
    (interrupted || options.keepOnError === true || (failure.transient && failure.code !== "SOURCE_CHANGED"));
  if (keep) {
    await journal.keep();
    const what = interrupted ? "interrupted" : stripLocation(failure.message);
    return new TransferError(
      interrupted ? "INTERRUPTED" : failure.code,
      `${what}; the upload was kept and can be resumed: run "${resumeCommand(location)}" (journal ${journal.path})`,
      where,
      {
        cause: failure,
        exitCode: interrupted ? 130 : failure.exitCode,
        transient: failure.transient,
        journalPath: journal.path,
      },
    );
  }
  const abort = await abortUpload(context.target, location.uploadId);
  if (abort.aborted) {
    await journal?.aborted(stripLocation(failure.message));
    return new TransferError(
      failure.code,
      `${stripLocation(failure.message)}; the multipart upload was aborted, nothing was left on the server`,
      where,
      { cause: failure.cause ?? failure, exitCode: failure.exitCode, transient: failure.transient },
    );
  }
  // The abort failed too (the server is unreachable, say): the upload is still there, so the journal stays
  // open and says so — `resume` can finish it, `abort` can remove it once the server answers again.
  const reason = stripLocation(explainS3Error(abort.error, location, "aborting").message);
  if (journal) {
    await journal.keep();
    return new TransferError(
      failure.code,
      `${stripLocation(failure.message)}; ${reason}, so the upload is still on the server: ` +
        `finish it with "${resumeCommand(location)}" or remove it with "s3xfer abort s3://${location.bucket}/${location.key}" (journal ${journal.path})`,
      where,
      {
        cause: failure.cause ?? failure,
        exitCode: failure.exitCode,
        transient: true,
        journalPath: journal.path,
      },
    );
  }
  return new TransferError(
    failure.code,
    `${stripLocation(failure.message)}; ${reason}, so the upload is still on the server: remove it with ` +
      `"s3xfer abort s3://${location.bucket}/${location.key} --upload-id ${location.uploadId}"`,
    where,
    { cause: failure.cause ?? failure, exitCode: failure.exitCode, transient: failure.transient },
  );
}
