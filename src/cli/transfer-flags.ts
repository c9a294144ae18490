import { readFileSync } from "node:fs";
import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { checkObjectAttributes, type ServerSideEncryption } from "../s3/object-attributes.js";
import { resolveRetry } from "../engine/retry-policy.js";
import type { CommonTransferOptions } from "../transfer/options.js";
import type { ConnectionOptions } from "../s3/client-settings.js";
import { sizeOption } from "./size-option.js";
import { checkEndpointUrl } from "../s3/url.js";
import {
  configFilePath,
  credentialsFilePath,
  namedProfile,
  preferProfileOverEnvironmentKeys,
  profileExists,
  s3ConfigBlock,
} from "./aws-config.js";
import { transferDefaults } from "./transfer-defaults.js";

/** The flags `cp` takes, named like aws-cli's where the meaning is the same. */
export interface TransferFlags {
  "part-size"?: number;
  "multipart-threshold"?: number;
  "force-multipart": boolean;
  concurrency?: number;
  "max-attempts"?: number;
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
  sse?: string;
  "sse-kms-key-id"?: string;
  "sse-kms-context"?: string;
  "bucket-key-enabled"?: boolean;
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
  "cli-read-timeout"?: number;
  "endpoint-url"?: string;
  region?: string;
  profile?: string;
  "ca-bundle"?: string;
  "verify-ssl"?: boolean;
  "cli-connect-timeout"?: number;
  progress: boolean;
  /** A path, or false for --no-journal. */
  journal?: string | boolean;
  "keep-on-error": boolean;
  "keep-journal"?: boolean;
  json: boolean;
  quiet: boolean;
  debug: boolean;
}

export interface ConnectionFlags {
  "endpoint-url"?: string;
  region?: string;
  profile?: string;
  "ca-bundle"?: string;
  /** false for --no-verify-ssl. */
  "verify-ssl"?: boolean;
  /** Seconds. */
  "cli-connect-timeout"?: number;
  /** Seconds. */
  "cli-read-timeout"?: number;
}

/** Where S3 is and who we are: the flags every command that talks to S3 takes. */
export function connectionFlags<T>(yargs: Argv<T>): Argv<T & ConnectionFlags> {
  return yargs
    .option("endpoint-url", {
      type: "string",
      describe: "S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)",
    })
    .option("region", { type: "string", describe: "AWS region (default: AWS_REGION, the profile's region)" })
    .option("profile", { type: "string", describe: "profile from ~/.aws/config and ~/.aws/credentials" })
    .option("ca-bundle", {
      type: "string",
      describe: "PEM file of certificate authorities to trust for HTTPS (default: AWS_CA_BUNDLE)",
    })
    .option("verify-ssl", {
      type: "boolean",
      describe: "--no-verify-ssl: do not verify the server's TLS certificate (unsafe; for tests)",
    })
    .option("cli-connect-timeout", {
      type: "string",
      describe: "seconds to wait for a connection (default 10)",
      coerce: (value: unknown) => parseSecondsFlag(value, "--cli-connect-timeout"),
    })
    .option("cli-read-timeout", {
      type: "string",
      describe: "seconds a request may send or receive nothing before it is retried (default 120)",
      coerce: (value: unknown) => parseSecondsFlag(value, "--cli-read-timeout"),
    }) as unknown as Argv<T & ConnectionFlags>;
}

/** A positive number of seconds (fractions allowed); aws-cli's 0 ("wait forever") is refused: a hang is worse. */
export function parseSecondsFlag(value: unknown, flag: string): number {
  const text = String(value ?? "").trim();
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0)) {
    throw new UsageError(
      "USAGE",
      `${flag} "${text}" is not a positive number of seconds: e.g. ${flag} 30 (0, "wait forever", is not offered)`,
    );
  }
  return seconds;
}

export function connectionFromFlags(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionOptions {
  if (flags["endpoint-url"] !== undefined) checkEndpointUrl(flags["endpoint-url"], "--endpoint-url");
  const profile = namedProfile(flags.profile, env);
  if (profile && !profileExists(profile.name, env)) {
    // The SDK would only say that no credentials were found, hiding the typo.
    throw new UsageError(
      "USAGE",
      `the profile "${profile.name}" (from ${profile.from}) is not in ${configFilePath(env)} or ${credentialsFilePath(env)}: check its name (aws configure list-profiles)`,
    );
  }
  if (flags.profile) preferProfileOverEnvironmentKeys(env);
  if (flags["verify-ssl"] === false && flags["ca-bundle"] !== undefined) {
    throw new UsageError(
      "USAGE",
      "--no-verify-ssl and --ca-bundle cannot be used together: --ca-bundle trusts a CA, --no-verify-ssl trusts anything",
    );
  }
  return {
    ...(flags["endpoint-url"] ? { endpoint: flags["endpoint-url"] } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags["ca-bundle"] !== undefined ? { caBundle: flags["ca-bundle"] } : {}),
    ...(flags["verify-ssl"] === false ? { verifySsl: false } : {}),
    ...(flags["cli-connect-timeout"] !== undefined
      ? { connectTimeoutMs: Math.round(flags["cli-connect-timeout"] * 1000) }
      : {}),
    ...(flags["cli-read-timeout"] !== undefined
      ? { idleTimeoutMs: Math.round(flags["cli-read-timeout"] * 1000) }
      : {}),
  };
}

export function transferFlags<T>(yargs: Argv<T>): Argv<T & TransferFlags> {
  return connectionFlags(yargs)
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
    .option("object-lock-legal-hold-status", { type: "string", describe: "Object Lock legal hold: ON | OFF" })
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
    })
    .option("progress", {
      type: "boolean",
      default: true,
      describe: "show a progress bar on a terminal (--no-progress hides it)",
    })
    .option("json", {
      type: "boolean",
      default: false,
      describe: "newline-delimited JSON events on stdout; the last line is the result (docs/json-events.md)",
    })
    .option("quiet", {
      type: "boolean",
      default: false,
      describe: "print nothing but errors",
    })
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

export function parseMetadata(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of text.split(",")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    if (eq <= 0)
      throw new UsageError("USAGE", `--metadata "${text}" is not k=v,k2=v2: "${pair}" has no key=value`);
    metadata[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return metadata;
}

function parseTagging(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  for (const pair of text.split("&")) {
    if (pair && !/^[^=]+=.*$/.test(pair)) {
      throw new UsageError(
        "USAGE",
        `--tagging "${text}" is not k=v&k2=v2 (URL-encoded): "${pair}" has no key=value`,
      );
    }
  }
  return text;
}

function parseSse(flags: TransferFlags): ServerSideEncryption | undefined {
  if (flags.sse === undefined) {
    if (
      flags["sse-kms-key-id"] !== undefined ||
      flags["sse-kms-context"] !== undefined ||
      flags["bucket-key-enabled"] !== undefined
    ) {
      throw new UsageError(
        "USAGE",
        "--sse-kms-key-id, --sse-kms-context and --bucket-key-enabled need --sse aws:kms",
      );
    }
    return undefined;
  }
  if (flags.sse === "AES256") {
    if (flags["sse-kms-key-id"] !== undefined)
      throw new UsageError("USAGE", "--sse-kms-key-id needs --sse aws:kms, not AES256");
    return { mode: "AES256" };
  }
  if (flags.sse === "aws:kms") {
    const sse: ServerSideEncryption = { mode: "aws:kms" };
    if (flags["sse-kms-key-id"]) sse.kmsKeyId = flags["sse-kms-key-id"];
    if (flags["sse-kms-context"]) {
      try {
        sse.kmsContext = JSON.parse(flags["sse-kms-context"]) as Record<string, string>;
      } catch {
        throw new UsageError("USAGE", `--sse-kms-context is not JSON: give it as '{"key":"value"}'`);
      }
    }
    if (flags["bucket-key-enabled"] !== undefined) sse.bucketKey = flags["bucket-key-enabled"];
    return sse;
  }
  throw new UsageError(
    "USAGE",
    `--sse "${flags.sse}" is not known: use AES256 or aws:kms (or --sse-c-key for SSE-C)`,
  );
}

/** Reads an SSE-C key flag: base64 text, or file:PATH holding the raw 32 bytes or their base64. */
export function readSseCKey(value: string | undefined, flag: string): Uint8Array | string | undefined {
  if (value === undefined) return undefined;
  if (!value.startsWith("file:")) return value;
  const path = value.slice(5);
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch {
    throw new UsageError(
      "USAGE",
      `${flag} file ${path} cannot be read: check the path (the file holds the 32-byte key, or its base64)`,
    );
  }
  if (content.length === 32) return new Uint8Array(content);
  return content.toString("utf8").trim();
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
  set(
    "checksumAlgorithm",
    (flags["checksum-algorithm"] ?? defaults.checksumAlgorithm) as CommonTransferOptions["checksumAlgorithm"],
  );
  set("contentType", flags["content-type"]);
  set("contentEncoding", flags["content-encoding"]);
  set("contentLanguage", flags["content-language"]);
  set("contentDisposition", flags["content-disposition"]);
  set("cacheControl", flags["cache-control"]);
  if (flags.expires !== undefined) {
    const date = new Date(flags.expires);
    if (Number.isNaN(date.getTime()))
      throw new UsageError("USAGE", `--expires "${flags.expires}" is not a date: use ISO 8601`);
    options.expires = date;
  }
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
  if (flags["object-lock-retain-until-date"] !== undefined) {
    const text = flags["object-lock-retain-until-date"];
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) {
      throw new UsageError(
        "USAGE",
        `--object-lock-retain-until-date "${text}" is not a date: use ISO 8601, e.g. 2030-01-31T00:00:00Z`,
      );
    }
    options.objectLockRetainUntilDate = date;
  }
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
