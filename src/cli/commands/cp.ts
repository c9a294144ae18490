import type { Argv } from "yargs";
import { basename } from "node:path";
import { UsageError } from "../../errors.js";
import { destinationInFolder, isS3Url, keyBaseName, parseS3Url, type S3Location } from "../../s3/url.js";
import type { CopyProps } from "../../transfer/copy.js";
import { runTransfer } from "../run-transfer.js";
import type { CopySourcePreconditions } from "../../transfer/sources/s3-object-source.js";
import { formatSize, type TransferPlan } from "../../planner/index.js";
import { planSummary } from "./plan.js";
import { restoreDashes, STDIN_ARG } from "../stdin-arg.js";
import { sizeOption } from "../size-option.js";
import {
  readSseCKey,
  transferFlags,
  transferOptionsFromFlags,
  type TransferFlags,
} from "../transfer-flags.js";

interface CpArgs extends TransferFlags {
  source: string;
  destination: string;
  "expected-size"?: number;
  "metadata-directive"?: "COPY" | "REPLACE";
  "tagging-directive"?: "COPY" | "REPLACE";
  "copy-props"?: CopyProps;
  "sse-c-copy-source-key"?: string;
  "expected-source-bucket-owner"?: string;
  overwrite?: boolean;
  "version-id"?: string;
  "on-unfinished": "resume" | "restart" | "fail";
  "if-none-match"?: string;
  dryrun: boolean;
  "copy-source-if-match"?: string;
  "copy-source-if-none-match"?: string;
  "copy-source-if-modified-since"?: string;
  "copy-source-if-unmodified-since"?: string;
}

export function cpCommand(yargs: Argv): Argv {
  return yargs.command<CpArgs>(
    "cp <source> <destination>",
    "upload a file or stdin (-) to S3, or copy an S3 object server-side",
    (y) =>
      transferFlags(
        y
          .positional("source", {
            type: "string",
            describe: "a local file, - for stdin, or s3://bucket/key[?versionId=…] to copy server-side",
            demandOption: true,
          })
          .positional("destination", {
            type: "string",
            describe: "s3://bucket/key, or a file, directory or - for a download",
            demandOption: true,
          })
          .option("expected-size", sizeOption("--expected-size", "for stdin: the size to plan parts for"))
          .option("keep-on-error", {
            type: "boolean",
            default: false,
            describe:
              "on a failure, keep the multipart upload and its journal for s3xfer resume instead of aborting it (not for stdin, which has no journal)",
          })
          .option("metadata-directive", {
            choices: ["COPY", "REPLACE"] as const,
            describe: "copy: keep the source's metadata (COPY) or use the ones given (REPLACE)",
          })
          .option("tagging-directive", {
            choices: ["COPY", "REPLACE"] as const,
            describe: "copy: keep the source's tags or use --tagging",
          })
          .option("copy-props", {
            choices: ["none", "metadata-directive", "default"] as const,
            describe: "copy: what to carry over, as in aws-cli (default: metadata, content headers and tags)",
          })
          .option("sse-c-copy-source-key", {
            type: "string",
            describe: "copy: the SSE-C key of the source (base64 or file:PATH)",
          })
          .option("overwrite", { type: "boolean", describe: "download: replace an existing file" })
          .option("version-id", { type: "string", describe: "download: the object version to fetch" })
          .option("expected-source-bucket-owner", {
            type: "string",
            describe: "copy: account id that must own the source bucket",
          })
          .option("if-none-match", {
            type: "string",
            describe:
              'conditional write: "*" refuses to overwrite an existing key (PutObject, CopyObject, CompleteMultipartUpload); a refusal exits 1 and aborts the upload',
          })
          .option("copy-source-if-match", {
            type: "string",
            describe: "copy: only if the source's ETag is this one (checked before anything is written)",
          })
          .option("copy-source-if-none-match", {
            type: "string",
            describe: "copy: only if the source's ETag is not this one",
          })
          .option("copy-source-if-modified-since", {
            type: "string",
            describe: "copy: only if the source was modified after this date (ISO 8601)",
          })
          .option("copy-source-if-unmodified-since", {
            type: "string",
            describe: "copy: only if the source was not modified after this date (ISO 8601)",
          })
          .option("dryrun", {
            type: "boolean",
            default: false,
            describe:
              "print the plan and the requests cp would send, and create nothing (a copy still HEADs its source)",
          })
          .option("on-unfinished", {
            choices: ["resume", "restart", "fail"] as const,
            default: "fail" as const,
            describe:
              "when an interrupted transfer to this destination is recorded: resume it (same source only), restart (abort it, start over) or fail",
          }),
      )
        .example("$0 cp ./backup.tar s3://bucket/backup.tar", "multipart upload with a progress bar")
        .example("$0 cp s3://bucket/backup.tar ./backup.tar", "parallel, verified, resumable download")
        .example("tar c dir | $0 cp - s3://bucket/dir.tar --expected-size 200GiB", "upload a stream")
        .example(
          "$0 cp s3://a/huge.tar s3://b/huge.tar",
          "server-side copy of any size, verified",
        ) as unknown as Argv<CpArgs>,
    async (args) => {
      process.exitCode = await runCp(restoreDashes(args, ["source"]));
    },
  );
}

/** Flags that mean something for one kind of transfer only: given to the other, they would do nothing. */
const COPY_ONLY = [
  "metadata-directive",
  "tagging-directive",
  "copy-props",
  "sse-c-copy-source-key",
  "expected-source-bucket-owner",
  "copy-source-if-match",
  "copy-source-if-none-match",
  "copy-source-if-modified-since",
  "copy-source-if-unmodified-since",
] as const;
const UPLOAD_ONLY = ["expected-size", "content-md5"] as const;

/** Refuses combinations that cannot be meant, rather than silently ignoring half of them. */
function checkFlagCombinations(args: CpArgs, isCopy: boolean, isStdin: boolean): void {
  if (args.json && args.quiet) {
    throw new UsageError(
      "USAGE",
      "--json and --quiet cannot be used together: --json prints only JSON lines (and errors); choose one",
    );
  }
  const given = (flag: string) => {
    const value = (args as unknown as Record<string, unknown>)[flag];
    return value !== undefined && value !== false;
  };
  if (!isCopy) {
    const copyFlag = COPY_ONLY.find(given);
    if (copyFlag) {
      throw new UsageError(
        "USAGE",
        `--${copyFlag} applies only to a copy from an s3:// source, not to an upload: remove it`,
      );
    }
    if (given("expected-size") && !isStdin) {
      throw new UsageError(
        "USAGE",
        "--expected-size applies only to stdin (-): a file's size is known; remove it",
      );
    }
    return;
  }
  const uploadFlag = UPLOAD_ONLY.find(given);
  if (uploadFlag) {
    throw new UsageError(
      "USAGE",
      `--${uploadFlag} applies only to an upload, not to a server-side copy: remove it`,
    );
  }
}

/** The name a destination ending in "/" gives the object: the file's, or the source object's last segment. */
function sourceName(source: string, isStdin: boolean): string | undefined {
  if (isStdin) return undefined;
  return isS3Url(source) ? keyBaseName(parseS3Url(source).key) : basename(source);
}

/** s3://bucket/key, or s3://bucket/folder/ for the source's own name in that folder (aws-cli's convention). */
function parseDestination(url: string, name: () => string | undefined): S3Location {
  if (!url.endsWith("/")) return parseS3Url(url);
  return destinationInFolder(parseS3Url(url, { requireKey: false }), name());
}

async function runCp(args: CpArgs): Promise<number> {
  const isStdin = args.source === STDIN_ARG;
  if (!isS3Url(args.destination)) {
    if (isS3Url(args.source)) {
      const { runDownloadCp } = await import("./cp-download.js");
      return runDownloadCp(args);
    }
    throw new UsageError(
      "INVALID_S3_URL",
      `destination "${args.destination}" must be an S3 URL: s3://bucket/key`,
    );
  }
  if (args.overwrite !== undefined || args["version-id"] !== undefined) {
    throw new UsageError(
      "USAGE",
      "--overwrite and --version-id apply to a download (s3://… to a file): remove them",
    );
  }
  const destination = parseDestination(args.destination, () => sourceName(args.source, isStdin));
  if (destination.versionId)
    throw new UsageError("USAGE", "a destination cannot name a version (?versionId=)");
  checkFlagCombinations(args, isS3Url(args.source), isStdin);
  // S3 takes only "*" here (an ETag is for conditional writes S3 does not offer on these requests).
  if (args["if-none-match"] !== undefined && args["if-none-match"] !== "*") {
    throw new UsageError(
      "USAGE",
      `--if-none-match takes only "*" (refuse to overwrite an existing key), got "${args["if-none-match"]}"; quote it in the shell: --if-none-match '*'`,
    );
  }
  const ifNoneMatch = args["if-none-match"] !== undefined ? { ifNoneMatch: args["if-none-match"] } : {};
  if (args.dryrun) return dryRun(args, isStdin, destination);
  // The transfer engine (AWS SDK, worker pool, checksums) loads only when a transfer runs.
  const [{ upload }, { copy }] = await Promise.all([
    import("../../transfer/upload.js"),
    import("../../transfer/copy.js"),
  ]);
  const { result, display } = await runTransfer(args, ({ signal, onEvent }) => {
    if (isS3Url(args.source)) {
      const source = parseS3Url(args.source);
      const sourceKey = readSseCKey(args["sse-c-copy-source-key"], "--sse-c-copy-source-key");
      return copy({
        ...transferOptionsFromFlags(args),
        keepForResume: args.journal !== false,
        source,
        onUnfinished: args["on-unfinished"],
        ...ifNoneMatch,
        bucket: destination.bucket,
        key: destination.key,
        ...(args["metadata-directive"] ? { metadataDirective: args["metadata-directive"] } : {}),
        ...(args["tagging-directive"] ? { taggingDirective: args["tagging-directive"] } : {}),
        ...(args["copy-props"] ? { copyProps: args["copy-props"] } : {}),
        ...(sourceKey !== undefined ? { sourceSseCustomerKey: sourceKey } : {}),
        ...(args["expected-source-bucket-owner"]
          ? { expectedSourceBucketOwner: args["expected-source-bucket-owner"] }
          : {}),
        ...copySourceIf(args),
        signal,
        onEvent,
      });
    } else
      return upload({
        ...transferOptionsFromFlags(args),
        // Ctrl-C keeps the upload for `s3xfer resume` when there is a journal to resume it from.
        keepForResume: args.journal !== false && !isStdin,
        source: isStdin ? process.stdin : args.source,
        onUnfinished: args["on-unfinished"],
        ...ifNoneMatch,
        bucket: destination.bucket,
        key: destination.key,
        ...(args["expected-size"] !== undefined ? { expectedSize: args["expected-size"] } : {}),
        ...(args["content-md5"] ? { contentMd5: true } : {}),
        signal,
        onEvent,
      });
  });
  display.printResult(result);
  return 0;
}

/** cp --dryrun: the plan and the requests, from the library's planning alone; nothing is created. */
async function dryRun(args: CpArgs, isStdin: boolean, destination: { bucket: string; key: string }) {
  const target = { bucket: destination.bucket, key: destination.key };
  let plan: TransferPlan;
  let partRequest: "UploadPart" | "UploadPartCopy";
  let singleRequest: "PutObject" | "CopyObject";
  if (isS3Url(args.source)) {
    const { planCopyOf } = await import("../../transfer/copy.js");
    const sourceKey = readSseCKey(args["sse-c-copy-source-key"], "--sse-c-copy-source-key");
    ({ plan } = await planCopyOf({
      ...transferOptionsFromFlags(args),
      ...target,
      source: parseS3Url(args.source),
      ...(args["metadata-directive"] ? { metadataDirective: args["metadata-directive"] } : {}),
      ...(args["tagging-directive"] ? { taggingDirective: args["tagging-directive"] } : {}),
      ...(args["copy-props"] ? { copyProps: args["copy-props"] } : {}),
      ...(sourceKey !== undefined ? { sourceSseCustomerKey: sourceKey } : {}),
      ...(args["expected-source-bucket-owner"]
        ? { expectedSourceBucketOwner: args["expected-source-bucket-owner"] }
        : {}),
      ...copySourceIf(args),
    }));
    partRequest = "UploadPartCopy";
    singleRequest = "CopyObject";
  } else {
    const { planUploadOf } = await import("../../transfer/upload.js");
    plan = await planUploadOf({
      ...transferOptionsFromFlags(args),
      ...target,
      // stdin is not read: its size is what --expected-size says.
      source: isStdin ? process.stdin : args.source,
      ...(args["expected-size"] !== undefined ? { expectedSize: args["expected-size"] } : {}),
    });
    partRequest = "UploadPart";
    singleRequest = "PutObject";
  }
  const url = `s3://${target.bucket}/${target.key}`;
  const requests =
    plan.kind === "multipart"
      ? [
          `CreateMultipartUpload ${url}`,
          `${plan.partCount ?? "N (until the stream ends)"} × ${partRequest} of ${formatSize(plan.partSize)}` +
            (plan.lastPartSize !== null && plan.lastPartSize !== plan.partSize
              ? ` (last part ${formatSize(plan.lastPartSize)})`
              : ""),
          `CompleteMultipartUpload ${url}`,
        ]
      : [`${singleRequest} ${url}`];
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ type: "dryrun", plan: planSummary(plan), requests })}\n`);
  } else {
    const size = plan.objectSize === null ? "unknown size" : formatSize(plan.objectSize);
    const how =
      plan.kind === "multipart"
        ? `multipart, ${plan.partCount ?? "unknown number of"} parts of ${formatSize(plan.partSize)}`
        : "one request";
    process.stdout.write(
      `dry run: ${args.source} -> ${url} (${size}): ${how}\nwould send:\n` +
        requests.map((r) => `  ${r}\n`).join("") +
        "nothing was created (no object, no upload, no journal)\n",
    );
  }
  return 0;
}

/** The --copy-source-if-* flags as the library's preconditions; a date that does not parse is refused. */
function copySourceIf(args: CpArgs): { copySourceIf?: CopySourcePreconditions } {
  const date = (flag: "copy-source-if-modified-since" | "copy-source-if-unmodified-since") => {
    const text = args[flag];
    if (text === undefined) return undefined;
    const when = new Date(text);
    if (Number.isNaN(when.getTime()))
      throw new UsageError(
        "USAGE",
        `--${flag} "${text}" is not a date: give ISO 8601, e.g. 2026-12-01T00:00:00Z`,
      );
    return when;
  };
  const modified = date("copy-source-if-modified-since");
  const unmodified = date("copy-source-if-unmodified-since");
  const given: CopySourcePreconditions = {
    ...(args["copy-source-if-match"] !== undefined ? { ifMatch: args["copy-source-if-match"] } : {}),
    ...(args["copy-source-if-none-match"] !== undefined
      ? { ifNoneMatch: args["copy-source-if-none-match"] }
      : {}),
    ...(modified ? { ifModifiedSince: modified } : {}),
    ...(unmodified ? { ifUnmodifiedSince: unmodified } : {}),
  };
  return Object.keys(given).length > 0 ? { copySourceIf: given } : {};
}
