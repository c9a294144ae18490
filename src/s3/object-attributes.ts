import type { CreateMultipartUploadCommandInput } from "@aws-sdk/client-s3";
import { UsageError } from "../errors.js";

/** Server-side encryption asked of the destination. A copy never inherits its source's encryption. */
export type ServerSideEncryption =
  | { mode: "AES256" }
  | { mode: "aws:kms"; kmsKeyId?: string; kmsContext?: Record<string, string>; bucketKey?: boolean };

/**
 * What the written object is, beyond its bytes: plain data, so it can be journaled (minus the SSE-C key)
 * and handed to a worker thread that does a single PutObject.
 */
export interface ObjectAttributes {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  expires?: Date;
  metadata?: Record<string, string>;
  /** URL-encoded "k1=v1&k2=v2", as S3's x-amz-tagging header takes it. */
  tagging?: string;
  storageClass?: string;
  acl?: string;
  sse?: ServerSideEncryption;
  /** Object Lock retention mode; needs `objectLockRetainUntilDate` (the bucket must have Object Lock on). */
  objectLockMode?: "GOVERNANCE" | "COMPLIANCE";
  /** Until when the retention holds: a Date, or an ISO 8601 date (as the journal keeps it). */
  objectLockRetainUntilDate?: Date | string;
  objectLockLegalHoldStatus?: "ON" | "OFF";
  /** Explicit grants, as S3's x-amz-grant-* headers take them: `id="…"`, `uri="…"`, `emailAddress="…"`, comma-separated. */
  grantRead?: string;
  grantReadAcp?: string;
  grantWriteAcp?: string;
  grantFullControl?: string;
  /** Where a website bucket redirects requests for this object: "/other/key" or an http(s) URL. */
  websiteRedirectLocation?: string;
}

/**
 * Attributes that are never taken from a copy's source: S3 does not copy them (retention, legal hold,
 * grants, website redirect), so a copy carries only what the caller gives, whatever the metadata directive.
 */
export const GIVEN_ONLY_ATTRIBUTES = [
  "objectLockMode",
  "objectLockRetainUntilDate",
  "objectLockLegalHoldStatus",
  "grantRead",
  "grantReadAcp",
  "grantWriteAcp",
  "grantFullControl",
  "websiteRedirectLocation",
] as const satisfies readonly (keyof ObjectAttributes)[];

const GRANT_OPTIONS = [
  ["grantRead", "--grant-read"],
  ["grantReadAcp", "--grant-read-acp"],
  ["grantWriteAcp", "--grant-write-acp"],
  ["grantFullControl", "--grant-full-control"],
] as const;

/**
 * Refuses attributes S3 would refuse, before anything is sent (a refusal after the parts were sent would
 * waste the transfer). Messages name the CLI flag and the library option.
 */
export function checkObjectAttributes(attributes: ObjectAttributes): void {
  const mode = attributes.objectLockMode;
  const until = attributes.objectLockRetainUntilDate;
  if (mode !== undefined && mode !== "GOVERNANCE" && mode !== "COMPLIANCE") {
    throw new UsageError(
      "USAGE",
      `--object-lock-mode (objectLockMode) "${String(mode)}" is not known: use GOVERNANCE or COMPLIANCE`,
    );
  }
  if ((mode === undefined) !== (until === undefined)) {
    throw new UsageError(
      "USAGE",
      "--object-lock-mode and --object-lock-retain-until-date (objectLockMode, objectLockRetainUntilDate) go together: S3 needs both to set a retention",
    );
  }
  if (until !== undefined) {
    const date = until instanceof Date ? until : new Date(until);
    if (Number.isNaN(date.getTime())) {
      throw new UsageError(
        "USAGE",
        `--object-lock-retain-until-date (objectLockRetainUntilDate) "${String(until)}" is not a date: use ISO 8601, e.g. 2030-01-31T00:00:00Z`,
      );
    }
  }
  const hold = attributes.objectLockLegalHoldStatus;
  if (hold !== undefined && hold !== "ON" && hold !== "OFF") {
    throw new UsageError(
      "USAGE",
      `--object-lock-legal-hold-status (objectLockLegalHoldStatus) "${String(hold)}" is not known: use ON or OFF`,
    );
  }
  const grants = GRANT_OPTIONS.filter(([option]) => attributes[option] !== undefined);
  if (grants.length > 0 && attributes.acl !== undefined) {
    throw new UsageError(
      "USAGE",
      `--acl and ${grants.map(([, flag]) => flag).join(", ")} cannot be used together: S3 takes a canned ACL or explicit grants, not both`,
    );
  }
  for (const [option, flag] of grants) {
    const text = attributes[option]!;
    const bad = splitGrantees(text).find((grantee) => !/^(id|uri|emailAddress)=\S/.test(grantee));
    if (bad !== undefined) {
      throw new UsageError(
        "USAGE",
        `${flag} (${option}) "${text}": "${bad}" is not a grantee: use id=CANONICAL_ID, uri=GROUP_URI or emailAddress=ADDRESS, comma-separated`,
      );
    }
  }
  const redirect = attributes.websiteRedirectLocation;
  if (redirect !== undefined && !/^(\/|https?:\/\/)/.test(redirect)) {
    throw new UsageError(
      "USAGE",
      `--website-redirect-location (websiteRedirectLocation) "${redirect}" must start with "/", "http://" or "https://"`,
    );
  }
}

/** Grantees are comma-separated; a quoted value may hold a comma. */
function splitGrantees(text: string): string[] {
  return (text.match(/(?:[^,"]|"[^"]*")+/g) ?? [""]).map((grantee) => grantee.trim());
}

/** SSE-C: the raw 256-bit key. Sent as headers on every request that touches the object, never stored. */
export interface SseCustomerKey {
  key: Uint8Array;
}

export interface RequestOwnership {
  requestPayer?: "requester";
  expectedBucketOwner?: string;
}

type WriteParams = Omit<CreateMultipartUploadCommandInput, "Bucket" | "Key">;

/** The request fields shared by PutObject, CreateMultipartUpload and CopyObject for these attributes. */
export function writeParams(attributes: ObjectAttributes): WriteParams {
  const params: WriteParams = {};
  if (attributes.contentType !== undefined) params.ContentType = attributes.contentType;
  if (attributes.contentEncoding !== undefined) params.ContentEncoding = attributes.contentEncoding;
  if (attributes.contentLanguage !== undefined) params.ContentLanguage = attributes.contentLanguage;
  if (attributes.contentDisposition !== undefined) params.ContentDisposition = attributes.contentDisposition;
  if (attributes.cacheControl !== undefined) params.CacheControl = attributes.cacheControl;
  if (attributes.expires !== undefined) params.Expires = attributes.expires;
  if (attributes.metadata !== undefined) params.Metadata = attributes.metadata;
  if (attributes.tagging !== undefined && attributes.tagging !== "") params.Tagging = attributes.tagging;
  if (attributes.storageClass !== undefined)
    params.StorageClass = attributes.storageClass as WriteParams["StorageClass"];
  if (attributes.acl !== undefined) params.ACL = attributes.acl as WriteParams["ACL"];
  if (attributes.grantRead !== undefined) params.GrantRead = attributes.grantRead;
  if (attributes.grantReadAcp !== undefined) params.GrantReadACP = attributes.grantReadAcp;
  if (attributes.grantWriteAcp !== undefined) params.GrantWriteACP = attributes.grantWriteAcp;
  if (attributes.grantFullControl !== undefined) params.GrantFullControl = attributes.grantFullControl;
  if (attributes.objectLockMode !== undefined) params.ObjectLockMode = attributes.objectLockMode;
  if (attributes.objectLockRetainUntilDate !== undefined)
    params.ObjectLockRetainUntilDate = new Date(attributes.objectLockRetainUntilDate);
  if (attributes.objectLockLegalHoldStatus !== undefined)
    params.ObjectLockLegalHoldStatus = attributes.objectLockLegalHoldStatus;
  if (attributes.websiteRedirectLocation !== undefined)
    params.WebsiteRedirectLocation = attributes.websiteRedirectLocation;
  if (attributes.sse) {
    params.ServerSideEncryption = attributes.sse.mode;
    if (attributes.sse.mode === "aws:kms") {
      if (attributes.sse.kmsKeyId) params.SSEKMSKeyId = attributes.sse.kmsKeyId;
      if (attributes.sse.kmsContext) {
        params.SSEKMSEncryptionContext = Buffer.from(JSON.stringify(attributes.sse.kmsContext)).toString(
          "base64",
        );
      }
      if (attributes.sse.bucketKey !== undefined) params.BucketKeyEnabled = attributes.sse.bucketKey;
    }
  }
  return params;
}

export function ssecParams(sseCustomer: SseCustomerKey | undefined): {
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
} {
  // The SDK's SSE-C middleware base64-encodes a Uint8Array key and adds its MD5; typed as string upstream.
  return sseCustomer
    ? { SSECustomerAlgorithm: "AES256", SSECustomerKey: sseCustomer.key as unknown as string }
    : {};
}

export function ownershipParams(ownership: RequestOwnership | undefined): {
  RequestPayer?: "requester";
  ExpectedBucketOwner?: string;
} {
  const params: { RequestPayer?: "requester"; ExpectedBucketOwner?: string } = {};
  if (ownership?.requestPayer) params.RequestPayer = ownership.requestPayer;
  if (ownership?.expectedBucketOwner) params.ExpectedBucketOwner = ownership.expectedBucketOwner;
  return params;
}

/** The SSE-C headers that let S3 read an encrypted copy source (x-amz-copy-source-server-side-encryption-…). */
export function copySourceSsecParams(sseCustomer: SseCustomerKey | undefined): {
  CopySourceSSECustomerAlgorithm?: string;
  CopySourceSSECustomerKey?: string;
} {
  return sseCustomer
    ? {
        CopySourceSSECustomerAlgorithm: "AES256",
        CopySourceSSECustomerKey: sseCustomer.key as unknown as string,
      }
    : {};
}
