import { S3xferError } from "../errors.js";
import { EXIT } from "./exit-codes.js";

/**
 * Prints an error as one line on stderr and returns the exit code. Expected errors (S3xferError) never show
 * a stack trace; `--debug` adds the cause chain for the people who need to look deeper.
 */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof S3xferError) {
    process.stderr.write(`s3xfer: error: ${error.message}\n`);
    if (debug && error.cause !== undefined)
      process.stderr.write(`caused by: ${describeCause(error.cause)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`s3xfer: unexpected error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write("run again with --debug for details\n");
  return EXIT.failed;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`;
  return String(cause);
}
