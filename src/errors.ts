/**
 * Every error s3xfer raises on purpose is an S3xferError: a stable `code` for programs, an exit code for
 * the CLI, and a message written for the person who has to fix the problem. Secrets never go into them:
 * messages are built from names (bucket, key, upload id, part), never from request headers.
 */
export type ErrorCode =
  | "USAGE"
  | "INVALID_SIZE"
  | "INVALID_PART_SIZE"
  | "TOO_MANY_PARTS"
  | "OBJECT_TOO_LARGE"
  | "INVALID_S3_URL"
  | "SOURCE_NOT_FOUND"
  | "SOURCE_CHANGED"
  | "SOURCE_UNREADABLE"
  | "ACCESS_DENIED"
  | "NO_SUCH_BUCKET"
  | "NO_SUCH_UPLOAD"
  | "VERIFICATION_FAILED"
  | "VERIFICATION_UNAVAILABLE"
  | "ABORTED"
  | "INTERRUPTED"
  | "JOURNAL"
  | "TRANSFER_RUNNING"
  | "NOTHING_TO_RESUME"
  | "ENDPOINT_UNREACHABLE"
  | "TRANSFER_FAILED";

export class S3xferError extends Error {
  readonly code: ErrorCode;
  /** Process exit code the CLI uses: 2 for bad usage or input, 1 for a failed transfer. */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Bad input from the caller: nothing was sent to S3. */
export class UsageError extends S3xferError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, exitCode: 2 });
  }
}

/** Where a transfer failed, so the message and the result name the upload the user may need to act on. */
export interface TransferLocation {
  bucket: string;
  key: string;
  uploadId?: string;
  partNumber?: number;
}

export class TransferError extends S3xferError {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string | undefined;
  readonly partNumber: number | undefined;
  /** The failure may go away by itself (network, 5xx, throttling): worth keeping the upload to resume. */
  readonly transient: boolean;
  /** The multipart upload was kept on the server; this journal resumes it. */
  readonly journalPath: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    location: TransferLocation,
    options?: { cause?: unknown; exitCode?: number; transient?: boolean; journalPath?: string },
  ) {
    super(code, `${message} (${describeLocation(location)})`, options);
    this.bucket = location.bucket;
    this.key = location.key;
    this.uploadId = location.uploadId;
    this.partNumber = location.partNumber;
    this.transient = options?.transient ?? false;
    this.journalPath = options?.journalPath;
  }
}

function describeLocation(location: TransferLocation): string {
  const parts = [`s3://${location.bucket}/${location.key}`];
  if (location.partNumber !== undefined) parts.push(`part ${location.partNumber}`);
  if (location.uploadId !== undefined) parts.push(`upload id ${location.uploadId}`);
  return parts.join(", ");
}
