/**
 * `s3xfer cp s3://bucket/key PATH|DIR|-`: the download half of cp. Kept apart from cp.ts so that file stays
 * about upload and copy; cp.ts only dispatches here when the source is s3:// and the destination is not.
 */
import { UsageError } from "../../errors.js";
import { download } from "../../download/download.js";
import type { DownloadResult } from "../../download/types.js";
import { formatSize } from "../../planner/size.js";
import { parseS3Url } from "../../s3/url.js";
import { runTransfer } from "../run-transfer.js";
import type { ProgressDisplay } from "../progress-display.js";
import type { TransferResult } from "../../transfer/result.js";
import { writeErr, writeOut } from "../redact.js";
import { STDIN_ARG } from "../stdin-arg.js";
import { connectionFromFlags, readSseCKey, type TransferFlags } from "../transfer-flags.js";

export interface DownloadArgs extends TransferFlags {
  source: string;
  destination: string;
  overwrite?: boolean;
  "version-id"?: string;
}

/** Flags that describe an object being written: a download writes none. */
const WRITE_ONLY = [
  "content-md5",
  "content-type",
  "content-encoding",
  "content-language",
  "content-disposition",
  "cache-control",
  "expires",
  "metadata",
  "tagging",
  "storage-class",
  "acl",
  "sse",
  "sse-kms-key-id",
  "sse-kms-context",
  "bucket-key-enabled",
  "expected-size",
  "force-multipart",
  "metadata-directive",
  "tagging-directive",
  "copy-props",
  "sse-c-copy-source-key",
  "expected-source-bucket-owner",
] as const;

function checkDownloadFlags(args: DownloadArgs): void {
  if (args.json && args.quiet) {
    throw new UsageError("USAGE", "--json and --quiet cannot be used together: choose one");
  }
  const record = args as unknown as Record<string, unknown>;
  const given = (flag: string) => record[flag] !== undefined && record[flag] !== false;
  const writeFlag = WRITE_ONLY.find(given);
  if (writeFlag) {
    throw new UsageError(
      "USAGE",
      `--${writeFlag} applies to an upload or copy, not to a download: remove it`,
    );
  }
  if (given("checksum-algorithm")) {
    throw new UsageError(
      "USAGE",
      "--checksum-algorithm does not apply to a download: the object's own checksum is verified; remove it",
    );
  }
}

export async function runDownloadCp(args: DownloadArgs): Promise<number> {
  checkDownloadFlags(args);
  const source = parseS3Url(args.source);
  if (source.versionId && args["version-id"] && source.versionId !== args["version-id"]) {
    throw new UsageError("USAGE", "the URL's ?versionId= and --version-id differ: give one");
  }
  const versionId = args["version-id"] ?? source.versionId;
  const toStdout = args.destination === STDIN_ARG || args.destination === "-";
  if (toStdout && args.json) {
    throw new UsageError("USAGE", "--json writes to stdout, where the object goes with -: drop --json");
  }
  // With the object on stdout, everything else goes to stderr (the bar does already).
  const sseKey = readSseCKey(args["sse-c-key"], "--sse-c-key");
  const { result, display, mode } = await runTransfer(args, ({ signal, onEvent }) =>
    download({
      ...connectionFromFlags(args),
      bucket: source.bucket,
      key: source.key,
      ...(versionId ? { versionId } : {}),
      destination: toStdout ? process.stdout : args.destination,
      ...(args.overwrite ? { overwrite: true } : {}),
      ...(args["part-size"] !== undefined ? { partSize: args["part-size"], strictPartSize: true } : {}),
      ...(args["multipart-threshold"] !== undefined
        ? { multipartThreshold: args["multipart-threshold"] }
        : {}),
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      ...(args["max-attempts"] !== undefined ? { retry: { maxAttempts: args["max-attempts"] } } : {}),
      ...(sseKey !== undefined ? { sseCustomerKey: sseKey } : {}),
      ...(args["expected-bucket-owner"] ? { expectedBucketOwner: args["expected-bucket-owner"] } : {}),
      ...(args["request-payer"] === "requester" ? { requestPayer: "requester" as const } : {}),
      ...(args.journal === false ? { journal: false as const } : {}),
      ...(typeof args.journal === "string" ? { journal: args.journal } : {}),
      ...(args["keep-on-error"] ? { keepOnError: true } : {}),
      // Ctrl-C keeps a file download for `s3xfer resume PATH` when it has a journal.
      keepForResume: args.journal !== false && !toStdout,
      signal,
      onEvent,
    }),
  );
  printDownloadResult(display, mode, result, toStdout);
  return 0;
}

export function downloadSummary(result: DownloadResult): string {
  const seconds = result.durationMs / 1000;
  const rate = seconds > 0 ? `${formatSize(Math.round(result.size / seconds))}/s` : "-";
  const ranges =
    result.request === "single" ? "1 request" : `${result.parts} ranges of ${formatSize(result.partSize)}`;
  const resumed = result.partsResumed ? ` (${result.partsResumed} resumed, ${result.partsSent} fetched)` : "";
  const retries = result.retries ? `, ${result.retries} retries` : "";
  const version = result.versionId ? `?versionId=${result.versionId}` : "";
  return (
    `downloaded ${formatSize(result.size)} from s3://${result.bucket}/${result.key}${version} to ${result.destination} ` +
    `in ${seconds.toFixed(1)} s (${rate}), ${ranges}${resumed}, etag ${result.etag}${retries}\n` +
    `verified: ${result.verified.summary}\n` +
    result.notes.map((note) => `note: ${note}\n`).join("")
  );
}

/** The result: JSON as the last line with --json, else the summary; on stderr when stdout holds the object. */
export function printDownloadResult(
  display: ProgressDisplay,
  mode: string,
  result: DownloadResult,
  toStdout: boolean,
): void {
  // --json ends with the `complete` event, as for upload and copy; its result says "download".
  if (mode === "json") display.printResult(result as unknown as TransferResult);
  else if (mode === "quiet") return;
  else if (toStdout) writeErr(downloadSummary(result));
  else writeOut(downloadSummary(result));
}
