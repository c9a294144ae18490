/**
 * A conditional write refused: with `ifNoneMatch` set, a 412 PreconditionFailed on PutObject, CopyObject or
 * CompleteMultipartUpload means the key already exists. The generic explanation ("part 1 failed with
 * PreconditionFailed") does not say so; this one does.
 */
import { TransferError } from "../errors.js";
import { classifyError } from "../s3/error-class.js";

/**
 * A 412 anywhere in the chain. A part request's failure comes back from its worker thread as plain data
 * (ErrorInfo), explained into the message ("failed with PreconditionFailed (HTTP 412)") without a cause.
 */
function hasStatus412(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (classifyError(e).httpStatus === 412) return true;
    if (e instanceof TransferError && /\bPreconditionFailed \(HTTP 412\)/.test(e.message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Runs a transfer; a refused conditional write becomes "the key already exists (If-None-Match)". */
export async function explainConditionalWrite<T>(
  options: { bucket: string; key: string; ifNoneMatch?: string | undefined },
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    // SOURCE_CHANGED: a copy's own pin on the source (CopySourceIfMatch) failed, not the destination's.
    const code = (error as { code?: unknown }).code;
    if (!options.ifNoneMatch || code === "SOURCE_CHANGED" || !hasStatus412(error)) throw error;
    const failed = error instanceof TransferError ? error : undefined;
    throw new TransferError(
      "TRANSFER_FAILED",
      `the key already exists (If-None-Match: ${options.ifNoneMatch}): the object was not overwritten`,
      {
        bucket: options.bucket,
        key: options.key,
        ...(failed?.uploadId ? { uploadId: failed.uploadId } : {}),
      },
      { cause: error, ...(failed?.journalPath ? { journalPath: failed.journalPath } : {}) },
    );
  }
}
