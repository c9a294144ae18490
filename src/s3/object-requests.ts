/** Main-thread requests about whole objects: HEAD, tags, bucket existence, a single CopyObject, listings. */
import {
  CopyObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectTaggingCommand,
  type CopyObjectCommandOutput,
  type HeadObjectCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { ChecksumAlgorithm } from "../checksum/index.js";
import { encodeCopySource } from "./copy-source-header.js";
import { classifyError } from "./error-class.js";
import {
  copySourceSsecParams,
  ownershipParams,
  ssecParams,
  writeParams,
  type ObjectAttributes,
  type SseCustomerKey,
} from "./object-attributes.js";
import type { ObjectTarget } from "./object-target.js";

/** An object to read from: its location, an optional version, and how to be allowed to read it. */
export interface SourceRef {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface SourceAccess {
  client: S3Client;
  sseCustomer?: SseCustomerKey;
  expectedOwner?: string;
  requestPayer?: "requester";
}

/** HeadObject of a destination, with its checksum (checksum mode) and, optionally, one part's size. */
export async function headObject(
  target: ObjectTarget,
  versionId?: string,
  signal?: AbortSignal,
): Promise<HeadObjectCommandOutput> {
  return target.client.send(
    new HeadObjectCommand({
      Bucket: target.bucket,
      Key: target.key,
      ...(versionId ? { VersionId: versionId } : {}),
      ChecksumMode: "ENABLED",
      ...ssecParams(target.sseCustomer),
      ...ownershipParams(target.ownership),
    }),
    signal ? { abortSignal: signal } : {},
  );
}

/** HeadObject of a source (or of one of its parts, with `partNumber`). */
export async function headSourceObject(
  source: SourceRef,
  access: SourceAccess,
  partNumber?: number,
): Promise<HeadObjectCommandOutput> {
  return access.client.send(
    new HeadObjectCommand({
      Bucket: source.bucket,
      Key: source.key,
      ...(source.versionId ? { VersionId: source.versionId } : {}),
      ...(partNumber ? { PartNumber: partNumber } : {}),
      ChecksumMode: "ENABLED",
      // Only SSE-C needs keys on HEAD; sending SSE headers for an SSE-S3/KMS source is an error on S3.
      ...ssecParams(access.sseCustomer),
      ...(access.expectedOwner ? { ExpectedBucketOwner: access.expectedOwner } : {}),
      ...(access.requestPayer ? { RequestPayer: access.requestPayer } : {}),
    }),
  );
}

export async function bucketExists(
  client: S3Client,
  bucket: string,
  expectedOwner?: string,
): Promise<boolean> {
  try {
    await client.send(
      new HeadBucketCommand({
        Bucket: bucket,
        ...(expectedOwner ? { ExpectedBucketOwner: expectedOwner } : {}),
      }),
    );
    return true;
  } catch (error) {
    return classifyError(error).httpStatus !== 404;
  }
}

/** The source's tags as S3's x-amz-tagging header takes them ("k1=v1&k2=v2"). */
export async function sourceTagging(source: SourceRef, access: SourceAccess): Promise<string> {
  const response = await access.client.send(
    new GetObjectTaggingCommand({
      Bucket: source.bucket,
      Key: source.key,
      ...(source.versionId ? { VersionId: source.versionId } : {}),
      ...(access.expectedOwner ? { ExpectedBucketOwner: access.expectedOwner } : {}),
      ...(access.requestPayer ? { RequestPayer: access.requestPayer } : {}),
    }),
  );
  return (response.TagSet ?? [])
    .map((tag) => `${encodeURIComponent(tag.Key ?? "")}=${encodeURIComponent(tag.Value ?? "")}`)
    .join("&");
}

function parseTagging(tagging: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(tagging)) tags.set(key, value);
  return tags;
}

/**
 * Makes sure the finished object carries the tags asked for. Some servers (this Ceph) accept x-amz-tagging
 * on CreateMultipartUpload and CopyObject and drop it; then the tags are set with PutObjectTagging. Returns
 * true when that was needed.
 */
export async function ensureTags(
  target: ObjectTarget,
  versionId: string | undefined,
  tagging: string | undefined,
): Promise<boolean> {
  if (!tagging) return false;
  const wanted = parseTagging(tagging);
  const common = {
    Bucket: target.bucket,
    Key: target.key,
    ...(versionId ? { VersionId: versionId } : {}),
    ...ownershipParams(target.ownership),
  };
  const current = await target.client.send(new GetObjectTaggingCommand(common));
  const have = new Map((current.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  if (have.size === wanted.size && [...wanted].every(([k, v]) => have.get(k) === v)) return false;
  await target.client.send(
    new PutObjectTaggingCommand({
      ...common,
      Tagging: { TagSet: [...wanted].map(([Key, Value]) => ({ Key, Value })) },
    }),
  );
  return true;
}

/**
 * The caller's own preconditions on a copy's source (aws-cli's --copy-source-if-*), sent beside the
 * automatic ETag pin. Dates as epoch milliseconds: they cross to worker threads as plain numbers.
 */
export interface CopySourceConditions {
  ifNoneMatch?: string;
  ifModifiedSince?: number;
  ifUnmodifiedSince?: number;
}

/** The request headers for the caller's copy-source preconditions (if-match is the pin, sent apart). */
export function copySourceConditionParams(conditions: CopySourceConditions | undefined): {
  CopySourceIfNoneMatch?: string;
  CopySourceIfModifiedSince?: Date;
  CopySourceIfUnmodifiedSince?: Date;
} {
  if (!conditions) return {};
  return {
    ...(conditions.ifNoneMatch ? { CopySourceIfNoneMatch: conditions.ifNoneMatch } : {}),
    ...(conditions.ifModifiedSince !== undefined
      ? { CopySourceIfModifiedSince: new Date(conditions.ifModifiedSince) }
      : {}),
    ...(conditions.ifUnmodifiedSince !== undefined
      ? { CopySourceIfUnmodifiedSince: new Date(conditions.ifUnmodifiedSince) }
      : {}),
  };
}

export interface CopyObjectRequest {
  source: SourceRef & { etag: string };
  access: SourceAccess;
  attributes: ObjectAttributes;
  /** Asks S3 to compute the copy's checksum with this algorithm (else it keeps the source's). */
  algorithm: ChecksumAlgorithm | null;
  expectedSourceBucketOwner?: string;
  ifNoneMatch?: string;
  sourceConditions?: CopySourceConditions;
  signal?: AbortSignal;
}

/** One CopyObject, pinned to the source's ETag. */
export async function copyObject(
  target: ObjectTarget,
  request: CopyObjectRequest,
): Promise<CopyObjectCommandOutput> {
  return target.client.send(
    new CopyObjectCommand({
      Bucket: target.bucket,
      Key: target.key,
      CopySource: encodeCopySource(request.source),
      CopySourceIfMatch: request.source.etag,
      ...copySourceConditionParams(request.sourceConditions),
      ...writeParams(request.attributes),
      // Always REPLACE: the attributes already are the source's where they should be, and REPLACE is what
      // lets a same-key copy change its storage class or encryption.
      MetadataDirective: "REPLACE",
      TaggingDirective: "REPLACE",
      ...(request.algorithm ? { ChecksumAlgorithm: request.algorithm } : {}),
      ...(request.ifNoneMatch ? { IfNoneMatch: request.ifNoneMatch } : {}),
      ...ssecParams(target.sseCustomer),
      ...copySourceSsecParams(request.access.sseCustomer),
      ...(request.expectedSourceBucketOwner
        ? { ExpectedSourceBucketOwner: request.expectedSourceBucketOwner }
        : {}),
      ...ownershipParams(target.ownership),
    }),
    request.signal ? { abortSignal: request.signal } : {},
  );
}

export interface ListedObject {
  key: string;
  /** Set when listed with its versions. */
  versionId?: string;
}

/** The objects under a prefix, every page (the current version of each). */
export async function* listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key };
    if (!page.IsTruncated || !page.NextContinuationToken) break;
    token = page.NextContinuationToken;
  }
}

/** Every version and delete marker under a prefix, every page: what deleting everything there must remove. */
export async function* listObjectVersions(
  client: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<ListedObject> {
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
      }),
    );
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      if (v.Key) yield { key: v.Key, ...(v.VersionId ? { versionId: v.VersionId } : {}) };
    }
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
    // A server that says "truncated" without saying where to go on would loop forever.
    if (!keyMarker && !versionIdMarker) break;
  }
}
