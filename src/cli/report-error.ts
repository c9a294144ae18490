import { S3xferError, TransferError } from "../errors.js";
import { UnfinishedTransferError } from "../journal/transfer-journal.js";
import { EXIT } from "./exit-codes.js";
import { exitCodeAfter } from "./interrupt.js";
import { writeErr } from "./redact.js";
import { resumeCommand } from "./resume-command.js";

/**
 * Prints an error and returns the exit code. Every expected error is one line on stderr: an S3xferError, a
 * system error (a full disk, a read-only filesystem, a permission: the machine's state, not a bug) and an S3
 * answer the library did not wrap; `--debug` adds the cause chain. Only a real bug prints its stack, with a
 * request to report it. Everything printed is redacted: a cause may be an SDK error whose response still holds
 * the request (Authorization, SSE-C key).
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
  const expected = describeSystemError(error) ?? describeServiceError(error) ?? describeTlsError(error);
  if (expected !== undefined) {
    writeErr(`s3xfer: error: ${oneLine(expected)}\n`);
    if (debug) writeErr(describeCauses(error, "error"));
    return EXIT.failed;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  writeErr(`s3xfer: internal error: ${oneLine(message)}\n`);
  writeErr(describeCauses(error, "error"));
  writeErr(
    "s3xfer: this is a bug in s3xfer, not something you did: please report it with the command you ran and the lines above\n",
  );
  return EXIT.failed;
}

interface SystemErrorFields {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  dest?: unknown;
}

/** What each error of the machine's state means, and what to do about it. */
const SYSTEM_ERRORS: Record<string, { problem: string; fix: string }> = {
  ENOSPC: {
    problem: "no space left on the device",
    fix: "free some space, then run the command again (s3xfer resume continues an interrupted transfer)",
  },
  EDQUOT: {
    problem: "the disk quota is exhausted",
    fix: "free some space, then run the command again (s3xfer resume continues an interrupted transfer)",
  },
  EROFS: {
    problem: "the filesystem is read-only",
    fix: "use a writable location (XDG_STATE_HOME moves the journals), or --no-journal",
  },
  EACCES: { problem: "permission denied", fix: "check its permissions, or run as a user who may use it" },
  EPERM: {
    problem: "operation not permitted",
    fix: "check its permissions, or run as a user who may use it",
  },
  ENOENT: { problem: "no such file or directory", fix: "check the path" },
  ENOTDIR: { problem: "a part of the path is not a directory", fix: "check the path" },
  EISDIR: { problem: "it is a directory", fix: "name a file" },
  ENAMETOOLONG: { problem: "the path is too long", fix: "use a shorter path" },
  ELOOP: { problem: "too many symbolic links in the path", fix: "check the path" },
  EMFILE: { problem: "too many open files", fix: "raise the limit (ulimit -n) or lower --concurrency" },
  ENFILE: {
    problem: "the system has too many open files",
    fix: "close other programs or lower --concurrency",
  },
  EIO: { problem: "an I/O error on the device", fix: "check the disk (dmesg), then run the command again" },
  EPIPE: {
    problem: "the output was closed before s3xfer finished writing",
    fix: "keep the reading end open (e.g. do not pipe into head), or use --quiet",
  },
  ...Object.fromEntries(
    ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"].map(
      (code) => [
        code,
        {
          problem: "cannot reach the S3 endpoint",
          fix: "check --endpoint-url / AWS_ENDPOINT_URL and the network",
        },
      ],
    ),
  ),
};

/** A Node system error (anywhere in the cause chain) as one line: what failed, on which path, and the fix. */
export function describeSystemError(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 10; cause = cause.cause, depth++) {
    const fields = cause as Error & SystemErrorFields;
    if (typeof fields.code !== "string" || typeof fields.syscall !== "string") continue;
    const known = SYSTEM_ERRORS[fields.code];
    if (known === undefined) continue;
    const path = typeof fields.path === "string" ? ` on ${fields.path}` : "";
    return `${known.problem}${path} (${fields.code}, ${fields.syscall}): ${known.fix}`;
  }
  return undefined;
}

/** A certificate Node does not trust is the setup's problem, not a bug: say how to trust it. */
function describeTlsError(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const hint = tlsHint(message);
  return hint ? `${message}${hint}` : undefined;
}

/** An S3 answer that reached the CLI unwrapped: the server's word is the clearest line there is. */
function describeServiceError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const meta = (error as Error & SdkFields).$metadata;
  if (meta?.httpStatusCode === undefined) return undefined;
  return `S3 answered ${error.name} (HTTP ${meta.httpStatusCode}): ${error.message}`;
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
