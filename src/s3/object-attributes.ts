import type { CreateMultipartUploadCommandInput } from "@aws-sdk/client-s3";

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
