import { S3xferError, TransferError } from "../errors.js";
import { UnfinishedTransferError } from "../journal/transfer-journal.js";
import { EXIT } from "./exit-codes.js";
import { exitCodeAfter } from "./interrupt.js";
import { writeErr } from "./redact.js";
import { resumeCommand } from "./resume-command.js";

/**
 * Prints an error as one line on stderr and returns the exit code. Expected errors (S3xferError) never show
 * a stack trace; `--debug` adds the cause chain for the people who need to look deeper. Everything printed
 * is redacted: a cause may be an SDK error whose response still holds the request (Authorization, SSE-C key).
 */
export function reportError(error: unknown, debug: boolean): number {
  if (causeChain(error).some(isRegionMissing)) {
    // The SDK's "Region is missing" comes only once a request is made, and reads as a transfer failure;
    // it is a setting the user has to give, like a bad flag.
    writeErr(
      "s3xfer: error: no AWS region is set: give --region, set AWS_REGION, or add `region = …` to the profile in ~/.aws/config\n",
    );
    if (debug) writeErr(describeCauses(error, "error"));
    return EXIT.usage;
  }
  if (error instanceof UnfinishedTransferError) {
    // The library's message names library calls; the CLI's names its commands, on one line as before.
    const url = `s3://${error.bucket}/${error.key}`;
    const resume = resumeCommand(error.bucket, error.key, error.journalPath);
    writeErr(
      `s3xfer: error: ${oneLine(error.reason)}: finish it with "${resume}" (or cp again with --on-unfinished resume), ` +
        `start over with "--on-unfinished restart" (or "${resume.replace("resume ", "resume --restart ")}"), ` +
        `or drop it with "s3xfer abort ${url}"\n`,
    );
    return exitCodeAfter(error, error.exitCode);
  }
  if (error instanceof S3xferError) {
    const kept = error instanceof TransferError && error.journalPath ? error : undefined;
    // A kept upload's journal and command go on lines of their own, to copy and paste; not in the message.
    const message = kept
      ? error.message.replace(/: run "s3xfer resume [^"]*"/, "").replace(/ \(journal [^)]*\)/, "")
      : error.message;
    const label = error.code === "INTERRUPTED" ? "s3xfer:" : "s3xfer: error:";
    writeErr(`${label} ${oneLine(message)}${tlsHint(message)}\n`);
    if (kept) {
      writeErr(`journal: ${kept.journalPath}\n`);
      writeErr(`to resume, run:\n  ${resumeCommand(kept.bucket, kept.key, kept.journalPath!)}\n`);
    }
    if (debug && error.cause !== undefined) writeErr(describeCauses(error.cause));
    return exitCodeAfter(error, error.exitCode);
  }
  const message = error instanceof Error ? error.message : String(error);
  writeErr(`s3xfer: unexpected error: ${oneLine(message)}\n`);
  if (debug) writeErr(describeCauses(error, "error"));
  else writeErr("run again with --debug for details\n");
  return EXIT.failed;
}

/** Node's codes for a certificate it does not trust; they reach us as text, also from a worker thread. */
const UNTRUSTED_CERTIFICATE =
  /\b(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_UNTRUSTED|ERR_TLS_CERT_ALTNAME_INVALID)\b/;

function tlsHint(message: string): string {
  return UNTRUSTED_CERTIFICATE.test(message)
    ? "; the server's TLS certificate is not trusted: give its CA with --ca-bundle FILE (or AWS_CA_BUNDLE), or skip the check with --no-verify-ssl"
    : "";
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 10 && !chain.includes(e);) {
    chain.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return chain;
}

/** The SDK's errors when no region was configured anywhere (flag, environment, profile), or an empty one. */
function isRegionMissing(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.message === "Region is missing" || error.message.startsWith('Region not accepted: region="" '))
  );
}

/** A message that spans lines (some SDK and system messages do) would break the one-line promise. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ");
}

interface SdkFields {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string; attempts?: number };
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

/**
 * The chain of causes, one entry each: name, message, the SDK's status and request ids, the response's
 * status and headers, and the stack. Never the whole object: an SDK error's `$response.body` reaches the
 * request that was sent, with its headers.
 */
export function describeCauses(first: unknown, label = "caused by"): string {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let cause: unknown = first;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 10 && !seen.has(cause); depth++) {
    seen.add(cause);
    const prefix = depth === 0 ? `${label}: ` : "caused by: ";
    if (!(cause instanceof Error)) {
      lines.push(`${prefix}${String(cause)}`);
      break;
    }
    const e = cause as Error & SdkFields;
    lines.push(`${prefix}${e.name}: ${e.message}`);
    const details: string[] = [];
    for (const field of ["code", "errno", "syscall", "$fault"] as const) {
      if (e[field] !== undefined) details.push(`${field}=${String(e[field])}`);
    }
    const meta = e.$metadata;
    if (meta?.httpStatusCode !== undefined) details.push(`status=${meta.httpStatusCode}`);
    if (meta?.requestId) details.push(`requestId=${meta.requestId}`);
    if (meta?.extendedRequestId) details.push(`extendedRequestId=${meta.extendedRequestId}`);
    if (meta?.attempts !== undefined) details.push(`attempts=${meta.attempts}`);
    if (details.length > 0) lines.push(`  ${details.join(" ")}`);
    const response = e.$response;
    if (response && typeof response === "object") {
      const headers = response.headers ?? {};
      const headerText = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join("; ");
      lines.push(`  response: HTTP ${response.statusCode ?? "?"}${headerText ? ` (${headerText})` : ""}`);
    }
    if (e.stack)
      lines.push(
        ...e.stack
          .split("\n")
          .slice(1)
          .map((line) => `  ${line.trim()}`),
      );
    cause = e.cause;
  }
  return `${lines.join("\n")}\n`;
}
