import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { checkObjectAttributes } from "../s3/object-attributes.js";
import { resolveRetry } from "../engine/retry-policy.js";
import type { CommonTransferOptions } from "../transfer/options.js";
import { sizeOption } from "./size-option.js";
import { parseDuration } from "./duration.js";
import { namedProfile } from "./aws-config.js";
import { s3ConfigBlock } from "../s3/shared-config.js";
import { transferDefaults } from "./transfer-defaults.js";
import { connectionFlags, connectionFromFlags, type ConnectionFlags } from "./connection-flags.js";
import { outputFlags, type OutputFlags } from "./output-flags.js";
import {
  parseDateFlag,
  parseMetadata,
  parseSse,
  parseTagging,
  readSseCKey,
  type SseFlags,
} from "./object-attribute-flags.js";

// What `cp` and `resume` import from here; they live in their own modules now.
export { connectionFlags, connectionFromFlags, type ConnectionFlags } from "./connection-flags.js";
export { readSseCKey } from "./object-attribute-flags.js";

/** The flags `cp` takes, named like aws-cli's where the meaning is the same. */
export interface TransferFlags extends ConnectionFlags, OutputFlags, SseFlags {
  "part-size"?: number;
  "multipart-threshold"?: number;
  "force-multipart": boolean;
  concurrency?: number;
  "max-attempts"?: number;
  "stall-timeout"?: number;
  "checksum-algorithm"?: string;
  "content-md5": boolean;
  "content-type"?: string;
  "content-encoding"?: string;
  "content-language"?: string;
  "content-disposition"?: string;
  "cache-control"?: string;
  expires?: string;
  metadata?: string;
  tagging?: string;
  "storage-class"?: string;
  acl?: string;
  "sse-c-key"?: string;
  "expected-bucket-owner"?: string;
  "request-payer"?: string;
  "object-lock-mode"?: string;
  "object-lock-retain-until-date"?: string;
  "object-lock-legal-hold-status"?: string;
  "grant-read"?: string;
  "grant-read-acp"?: string;
  "grant-write-acp"?: string;
  "grant-full-control"?: string;
  "website-redirect-location"?: string;
  /** A path, or false for --no-journal. */
  journal?: string | boolean;
  "keep-on-error": boolean;
  "keep-journal"?: boolean;
  debug: boolean;
}

export function transferFlags<T>(yargs: Argv<T>): Argv<T & TransferFlags> {
  return outputFlags(
    connectionFlags(yargs)
      .option(
        "part-size",
        sizeOption("--part-size", "part size, e.g. 64MiB (5 MiB–5 GiB; refused if it needs > 10,000 parts)"),
      )
      .option(
        "multipart-threshold",
        sizeOption("--multipart-threshold", "objects below this go in one request"),
      )
      .option("force-multipart", {
        type: "boolean",
        default: false,
        describe: "use multipart even for small objects",
      })
      .option("concurrency", {
        // A string, not yargs' number: "abc" would become NaN and the message could not say what was given.
        type: "string",
        describe: "parts in flight at once (default 8)",
        coerce: parseConcurrencyFlag,
      })
      .option("max-attempts", {
        type: "string",
        describe: "attempts per part, the first included, before the transfer fails (default 8)",
        coerce: parseMaxAttemptsFlag,
      })
      .option("stall-timeout", stallTimeoutFlag())
      .option("checksum-algorithm", {
        type: "string",
        describe: "CRC32 | CRC32C | CRC64NVME | SHA1 | SHA256 | NONE (default CRC64NVME)",
      })
      .option("content-md5", {
        type: "boolean",
        default: false,
        describe: "send Content-MD5 with every part and check the ETag",
      })
      .option("content-type", {
        type: "string",
        describe: "Content-Type (default: guessed from the file name)",
      })
      .option("content-encoding", { type: "string" })
      .option("content-language", { type: "string" })
      .option("content-disposition", { type: "string" })
      .option("cache-control", { type: "string" })
      .option("expires", { type: "string", describe: "Expires header, an ISO 8601 date" })
      .option("metadata", { type: "string", describe: "user metadata: k=v,k2=v2" })
      .option("tagging", { type: "string", describe: "tags, URL-encoded: k=v&k2=v2" })
      .option("storage-class", { type: "string" })
      .option("acl", { type: "string" })
      .option("sse", { type: "string", describe: "server-side encryption: AES256 | aws:kms" })
      .option("sse-kms-key-id", { type: "string", describe: "KMS key for --sse aws:kms" })
      .option("sse-kms-context", { type: "string", describe: "KMS encryption context, as JSON" })
      .option("bucket-key-enabled", { type: "boolean", describe: "use an S3 Bucket Key with --sse aws:kms" })
      .option("sse-c-key", {
        type: "string",
        describe: "SSE-C key: base64 of 32 bytes, or file:PATH (never echoed)",
      })
      .option("expected-bucket-owner", {
        type: "string",
        describe: "account id that must own the destination bucket",
      })
      .option("request-payer", { type: "string", choices: ["requester"] })
      .option("object-lock-mode", {
        type: "string",
        describe: "Object Lock retention: GOVERNANCE | COMPLIANCE (with --object-lock-retain-until-date)",
      })
      .option("object-lock-retain-until-date", {
        type: "string",
        describe: "until when the retention holds, ISO 8601 (e.g. 2030-01-31T00:00:00Z)",
      })
      .option("object-lock-legal-hold-status", {
        type: "string",
        describe: "Object Lock legal hold: ON | OFF",
      })
      .option("grant-read", {
        type: "string",
        describe: 'grantees who may read: id="…",uri="…",emailAddress="…"',
      })
      .option("grant-read-acp", { type: "string", describe: "grantees who may read the ACL" })
      .option("grant-write-acp", { type: "string", describe: "grantees who may change the ACL" })
      .option("grant-full-control", { type: "string", describe: "grantees with full control" })
      .option("website-redirect-location", {
        type: "string",
        describe: "website bucket: redirect requests for this object to /key or an http(s) URL",
      }),
  )
    .option("journal", {
      type: "string",
      describe:
        "where to journal a multipart transfer (default: under $XDG_STATE_HOME/s3xfer); --no-journal for none (not resumable)",
    })
    .option("keep-journal", {
      type: "boolean",
      default: false,
      describe: "keep the journal of a completed, verified transfer (by default it is removed)",
    }) as unknown as Argv<T & TransferFlags>;
}

export function parseMaxAttemptsFlag(value: unknown): number {
  const text = String(value ?? "").trim();
  if (!/^[+-]?\d+$/.test(text)) {
    throw new UsageError(
      "USAGE",
      `--max-attempts "${text}" is not a whole number: give the attempts per part, e.g. --max-attempts 8`,
    );
  }
  // Checked here, before any request: the library checks the policy only once the upload exists.
  return resolveRetry({ maxAttempts: Number(text) }).maxAttempts;
}

/** A whole number; its range is the library's to check (the same message for callers of either). */
export function parseConcurrencyFlag(value: unknown): number {
  const text = String(value ?? "").trim();
  if (!/^[+-]?\d+$/.test(text)) {
    throw new UsageError(
      "USAGE",
      `--concurrency "${text}" is not a whole number: give the parts in flight at once, e.g. --concurrency 16`,
    );
  }
  return Number(text);
}

/** The library options these flags stand for. */
export function transferOptionsFromFlags(
  flags: TransferFlags,
  env: NodeJS.ProcessEnv = process.env,
): Omit<CommonTransferOptions, "bucket" | "key"> {
  const options: Omit<CommonTransferOptions, "bucket" | "key"> = {};
  const set = <K extends keyof typeof options>(key: K, value: (typeof options)[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  const profile = namedProfile(flags.profile, env)?.name ?? "default";
  const defaults = transferDefaults(
    {
      concurrency: flags.concurrency,
      partSize: flags["part-size"],
      multipartThreshold: flags["multipart-threshold"],
      maxAttempts: flags["max-attempts"],
      checksumAlgorithm: flags["checksum-algorithm"],
    },
    env,
    s3ConfigBlock(profile, env),
    profile,
  );
  set("partSize", flags["part-size"] ?? defaults.partSize);
  // Only the flag is strict: a configured part size is a preference, grown when an object needs it.
  if (flags["part-size"] !== undefined) options.strictPartSize = true;
  set("multipartThreshold", flags["multipart-threshold"] ?? defaults.multipartThreshold);
  if (flags["force-multipart"]) options.forceMultipart = true;
  set("concurrency", flags.concurrency ?? defaults.concurrency);
  const maxAttempts =
    flags["max-attempts"] ??
    (defaults.maxAttempts !== undefined
      ? resolveRetry({ maxAttempts: defaults.maxAttempts }).maxAttempts
      : undefined);
  if (maxAttempts !== undefined) options.retry = { maxAttempts };
  set("stallTimeoutMs", flags["stall-timeout"]);
  set(
    "checksumAlgorithm",
    (flags["checksum-algorithm"] ?? defaults.checksumAlgorithm) as CommonTransferOptions["checksumAlgorithm"],
  );
  set("contentType", flags["content-type"]);
  set("contentEncoding", flags["content-encoding"]);
  set("contentLanguage", flags["content-language"]);
  set("contentDisposition", flags["content-disposition"]);
  set("cacheControl", flags["cache-control"]);
  set("expires", parseDateFlag(flags.expires, "--expires"));
  set("metadata", parseMetadata(flags.metadata));
  set("tagging", parseTagging(flags.tagging));
  set("storageClass", flags["storage-class"]);
  set("acl", flags.acl);
  set("sse", parseSse(flags));
  set("sseCustomerKey", readSseCKey(flags["sse-c-key"], "--sse-c-key"));
  set("expectedBucketOwner", flags["expected-bucket-owner"]);
  if (flags["request-payer"] === "requester") options.requestPayer = "requester";
  const upper = (text: string | undefined) => text?.toUpperCase();
  set(
    "objectLockMode",
    upper(flags["object-lock-mode"]) as CommonTransferOptions["objectLockMode"] | undefined,
  );
  set(
    "objectLockRetainUntilDate",
    parseDateFlag(
      flags["object-lock-retain-until-date"],
      "--object-lock-retain-until-date",
      "2030-01-31T00:00:00Z",
    ),
  );
  set(
    "objectLockLegalHoldStatus",
    upper(flags["object-lock-legal-hold-status"]) as
      CommonTransferOptions["objectLockLegalHoldStatus"] | undefined,
  );
  set("grantRead", flags["grant-read"]);
  set("grantReadAcp", flags["grant-read-acp"]);
  set("grantWriteAcp", flags["grant-write-acp"]);
  set("grantFullControl", flags["grant-full-control"]);
  set("websiteRedirectLocation", flags["website-redirect-location"]);
  checkObjectAttributes(options);
  const locking = options.objectLockMode !== undefined || options.objectLockLegalHoldStatus !== undefined;
  if (locking && options.checksumAlgorithm?.toUpperCase() === "NONE" && !flags["content-md5"]) {
    throw new UsageError(
      "USAGE",
      "Object Lock needs an integrity check on every request: S3 refuses --checksum-algorithm NONE without --content-md5",
    );
  }
  Object.assign(options, connectionFromFlags(flags, env));
  if (flags.journal === false) options.journal = false;
  else if (typeof flags.journal === "string") options.journal = flags.journal;
  if (flags["keep-on-error"]) options.keepOnError = true;
  if (flags["keep-journal"]) options.keepJournal = true;
  return options;
}

/** --stall-timeout: how long a transfer may make no progress before it fails (and is kept for resume). */
export function stallTimeoutFlag() {
  return {
    type: "string" as const,
    describe:
      "fail (keeping the upload for resume) after no progress for this long, e.g. 90s, 10m; 0: never " +
      "(default 3m for an upload, 5m for a copy)",
    coerce: parseStallTimeoutFlag,
  };
}

export function parseStallTimeoutFlag(value: unknown): number {
  const text = String(value ?? "").trim();
  if (text === "0") return 0;
  return parseDuration(text, "--stall-timeout");
}
