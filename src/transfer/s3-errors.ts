import { S3xferError, TransferError, type ErrorCode, type TransferLocation } from "../errors.js";
import { classifyError, type ErrorInfo } from "../s3/error-class.js";

/**
 * Turns an S3 or network error from a main-thread request into a TransferError whose message says what
 * happened and what to do. The SDK's messages are never trusted to be enough: Ceph sends empty ones.
 */
export function explainS3Error(error: unknown, location: TransferLocation, action: string): TransferError {
  if (error instanceof TransferError) return error;
  if (error instanceof S3xferError) {
    return new TransferError(error.code, error.message, location, { cause: error, exitCode: error.exitCode });
  }
  return explainErrorInfo(classifyError(error), location, action, error);
}

/** The same explanation for an error already classified (by a worker, across the thread boundary). */
export function explainErrorInfo(
  info: ErrorInfo,
  location: TransferLocation,
  action: string,
  cause?: unknown,
): TransferError {
  const code = info.code ?? info.name;
  let errorCode: ErrorCode = "TRANSFER_FAILED";
  let message: string;
  if (
    info.httpStatus === 403 ||
    code === "AccessDenied" ||
    code === "InvalidAccessKeyId" ||
    code === "SignatureDoesNotMatch"
  ) {
    errorCode = "ACCESS_DENIED";
    message =
      code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch"
        ? `${action} was refused (${code}): the credentials are not valid for this endpoint; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or --profile`
        : `${action} was refused (403 ${code}): these credentials may not do this; check the IAM or bucket policy, or the expected bucket owner`;
  } else if (code === "NoSuchBucket") {
    errorCode = "NO_SUCH_BUCKET";
    message = `${action} failed: bucket "${location.bucket}" does not exist; create it or check the name`;
  } else if (code === "NoSuchUpload") {
    errorCode = "NO_SUCH_UPLOAD";
    message = `${action} failed: the multipart upload no longer exists (aborted or completed elsewhere)`;
  } else if (
    !info.httpStatus &&
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|TimeoutError/.test(
      `${code} ${info.message}`,
    )
  ) {
    errorCode = "ENDPOINT_UNREACHABLE";
    message = `${action} failed: cannot reach the S3 endpoint (${code}); check --endpoint-url / AWS_ENDPOINT_URL and the network`;
  } else if (info.name === "AbortError") {
    errorCode = "ABORTED";
    message = `${action} was cancelled`;
  } else {
    const status = info.httpStatus ? ` (HTTP ${info.httpStatus})` : "";
    const detail =
      info.message && info.message !== code && info.message !== "UnknownError" ? `: ${info.message}` : "";
    message = `${action} failed with ${code}${status}${detail}`;
  }
  return new TransferError(errorCode, message, location, cause === undefined ? undefined : { cause });
}
