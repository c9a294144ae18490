import { readFileSync } from "node:fs";
import { UsageError } from "../errors.js";
import type { ServerSideEncryption } from "../s3/object-attributes.js";

/** The flags that choose server-side encryption (SSE-S3 or SSE-KMS; SSE-C has its own key flag). */
export interface SseFlags {
  sse?: string;
  "sse-kms-key-id"?: string;
  "sse-kms-context"?: string;
  "bucket-key-enabled"?: boolean;
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

export function parseTagging(text: string | undefined): string | undefined {
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

export function parseSse(flags: SseFlags): ServerSideEncryption | undefined {
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

/** An ISO 8601 date flag; `example` shows what one looks like when the flag is easy to get wrong. */
export function parseDateFlag(text: string | undefined, flag: string, example?: string): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(
      "USAGE",
      `${flag} "${text}" is not a date: use ISO 8601${example ? `, e.g. ${example}` : ""}`,
    );
  }
  return date;
}
