import { S3xferError, TransferError, type ErrorCode, type TransferLocation } from "../errors.js";
import { classifyError, isUnreachable, type ErrorInfo } from "./error-class.js";

/**
 * Turns an S3 or network error from a main-thread request into a TransferError whose message says what
 * happened and what to do. The SDK's messages are never trusted to be enough: Ceph sends empty ones.
 */
export function explainS3Error(error: unknown, location: TransferLocation, action: string): TransferError {
  if (error instanceof TransferError) return error;
  if (error instanceof S3xferError) {
    return new TransferError(error.code, error.message, location, { cause: error, exitCode: error.exitCode });
  }
  const info = classifyError(error);
  return explainErrorInfo(info, location, action, withoutRequest(error));
}

/**
 * An SDK error keeps the raw HTTP response, whose body stream leads back to the request that was sent, with
 * its Authorization header and any SSE-C key. The SDK makes `$response` non-enumerable but also read-only,
 * so a cause that leaves the library is a copy of the error (same class, fields and stack) whose response
 * keeps only its status and headers: logging the error, to any depth, cannot print a secret.
 */
export function withoutRequest(error: unknown): unknown {
  if (typeof error !== "object" || error === null || !("$response" in error)) return error;
  const response = (error as { $response?: Record<string, unknown> }).$response;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Record<PropertyKey, unknown>;
  for (const key of Reflect.ownKeys(error)) {
    if (key === "$response") continue;
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
    // Since Node 21 (V8 11.x) an error's `stack` is an own accessor that answers only for the error itself:
    // copied as is, it reads undefined on the copy. Copy its value.
    if (key === "stack" && descriptor.get) {
      Object.defineProperty(copy, key, {
        value: (error as { stack?: string }).stack,
        writable: true,
        configurable: true,
        enumerable: descriptor.enumerable ?? false,
      });
      continue;
    }
    Object.defineProperty(copy, key, descriptor);
  }
  Object.defineProperty(copy, "$response", {
    value: response && {
      statusCode: response.statusCode,
      reason: response.reason,
      headers: response.headers,
    },
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return copy;
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
  if (info.name === "CredentialsProviderError") {
    errorCode = "ACCESS_DENIED";
    message = `${action} could not start: no AWS credentials were found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --profile`;
  } else if (
    info.httpStatus === 403 ||
    code === "AccessDenied" ||
    code === "InvalidAccessKeyId" ||
    code === "SignatureDoesNotMatch"
  ) {
    errorCode = "ACCESS_DENIED";
    if (code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch") {
      message = `${action} was refused (${code}): the credentials are not valid for this endpoint; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or --profile`;
    } else if (!code || /^(Unknown|UnknownError|Forbidden|403)$/.test(code)) {
      // A refused HEAD has no body, so no code to tell bad credentials from missing permissions.
      message = `${action} was refused (HTTP 403): the credentials are not valid for this endpoint or may not do this; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or --profile, and the IAM or bucket policy`;
    } else {
      message = `${action} was refused (403 ${code}): these credentials may not do this; check the IAM or bucket policy, or the expected bucket owner`;
    }
  } else if (code === "NoSuchBucket") {
    errorCode = "NO_SUCH_BUCKET";
    message = `${action} failed: bucket "${location.bucket}" does not exist; create it or check the name`;
  } else if (code === "NoSuchUpload") {
    errorCode = "NO_SUCH_UPLOAD";
    message = `${action} failed: the multipart upload no longer exists (aborted or completed elsewhere)`;
  } else if (isUnreachable(info)) {
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
  return new TransferError(errorCode, message, location, {
    ...(cause === undefined ? {} : { cause }),
    transient: info.retryable,
  });
}
