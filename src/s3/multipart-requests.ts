/**
 * Every main-thread request about a multipart upload: create, complete, abort, list its parts, list the
 * uploads of a bucket. The part requests themselves (UploadPart, UploadPartCopy) are sent by the workers.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";
import { checksumTypeFor, type ChecksumAlgorithm } from "../checksum/index.js";
import { anyChecksum, checksumField } from "./checksum-fields.js";
import { classifyError } from "./error-class.js";
import { ownershipParams, ssecParams, writeParams, type ObjectAttributes } from "./object-attributes.js";
import type { ObjectTarget } from "./object-target.js";

export async function createUpload(
  target: ObjectTarget,
  attributes: ObjectAttributes,
  algorithm: ChecksumAlgorithm | null,
  options: { signal?: AbortSignal; client?: S3Client } = {},
): Promise<string> {
  const type = checksumTypeFor(algorithm);
  const response = await (options.client ?? target.client).send(
    new CreateMultipartUploadCommand({
      Bucket: target.bucket,
      Key: target.key,
      ...writeParams(attributes),
      ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}),
      ...(type ? { ChecksumType: type } : {}),
      ...ssecParams(target.sseCustomer),
      ...ownershipParams(target.ownership),
    }),
    options.signal ? { abortSignal: options.signal } : {},
  );
  if (!response.UploadId) throw new Error("CreateMultipartUpload returned no upload id");
  return response.UploadId;
}

/** A part as CompleteMultipartUpload lists it. */
export interface CompletePart {
  partNumber: number;
  etag: string;
  checksum?: string;
}

export interface CompleteRequest {
  uploadId: string;
  parts: readonly CompletePart[];
  algorithm: ChecksumAlgorithm | null;
  /**
   * Whether to list each part's checksum. AWS requires them for an upload created with an algorithm; a
   * server that ignores checksums (this Ceph) also caps Complete's body at 1 MiB, which 10,000 parts with
   * checksums exceed — the caller decides from whether the server ever showed it knows the part checksums.
   */
  partChecksums: boolean;
  /** The FULL_OBJECT value S3 checks against the parts it received. */
  fullObjectChecksum: string | null;
  objectSize: number;
  /** x-amz-if-none-match: "*" refuses to overwrite an existing key. */
  ifNoneMatch?: string;
}

export async function completeUpload(
  target: ObjectTarget,
  request: CompleteRequest,
): Promise<{ etag: string; versionId?: string; checksum?: string }> {
  const { algorithm } = request;
  const type = checksumTypeFor(algorithm);
  const parts: CompletedPart[] = request.parts.map((p) => ({
    PartNumber: p.partNumber,
    ETag: p.etag,
    ...(algorithm && p.checksum && request.partChecksums ? checksumField(algorithm, p.checksum) : {}),
  }));
  const response = await target.client.send(
    new CompleteMultipartUploadCommand({
      Bucket: target.bucket,
      Key: target.key,
      UploadId: request.uploadId,
      MultipartUpload: { Parts: parts },
      ...(type === "FULL_OBJECT" && algorithm && request.fullObjectChecksum
        ? { ...checksumField(algorithm, request.fullObjectChecksum), ChecksumType: type }
        : {}),
      MpuObjectSize: request.objectSize,
      ...(request.ifNoneMatch ? { IfNoneMatch: request.ifNoneMatch } : {}),
      ...ssecParams(target.sseCustomer),
      ...ownershipParams(target.ownership),
    }),
  );
  const result: { etag: string; versionId?: string; checksum?: string } = { etag: response.ETag ?? "" };
  if (response.VersionId) result.versionId = response.VersionId;
  const checksum = anyChecksum(response);
  if (checksum) result.checksum = checksum.value;
  return result;
}

/**
 * Aborts, and says what is true afterwards: "aborted" (or already gone — nothing is left behind), or
 * "failed" with the error, so a caller never records an abort that did not happen.
 */
export async function abortUpload(
  target: ObjectTarget,
  uploadId: string,
): Promise<{ aborted: true; alreadyGone?: boolean } | { aborted: false; error: unknown }> {
  try {
    await target.client.send(
      new AbortMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: uploadId,
        ...ownershipParams(target.ownership),
      }),
    );
    return { aborted: true };
  } catch (error) {
    // Already gone (aborted, completed): nothing is left behind.
    if (isNoSuchUpload(error)) return { aborted: true, alreadyGone: true };
    return { aborted: false, error };
  }
}

/** AWS answers NoSuchUpload for an upload that is gone; this Ceph answers NoSuchKey (404). */
export function isNoSuchUpload(error: unknown): boolean {
  const info = classifyError(error);
  return info.code === "NoSuchUpload" || info.code === "NoSuchKey" || info.httpStatus === 404;
}

export interface ServerPart {
  partNumber: number;
  etag: string;
  size: number;
  /** The part's checksum as the server stores it (AWS lists it; this Ceph does not). */
  checksum?: string;
}

/** Every part the server holds for an upload, 1,000 a page. */
export async function listParts(target: ObjectTarget, uploadId: string): Promise<Map<number, ServerPart>> {
  const parts = new Map<number, ServerPart>();
  let marker: string | undefined;
  for (;;) {
    const page = await target.client.send(
      new ListPartsCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: uploadId,
        MaxParts: 1000,
        ...(marker ? { PartNumberMarker: marker } : {}),
        ...ownershipParams(target.ownership),
        ...ssecParams(target.sseCustomer),
      }),
    );
    for (const part of page.Parts ?? []) {
      if (part.PartNumber === undefined) continue;
      const checksum = anyChecksum(part)?.value;
      parts.set(part.PartNumber, {
        partNumber: part.PartNumber,
        etag: part.ETag ?? "",
        size: part.Size ?? -1,
        ...(checksum ? { checksum } : {}),
      });
    }
    if (!page.IsTruncated || !page.NextPartNumberMarker) break;
    marker = String(page.NextPartNumberMarker);
  }
  return parts;
}

export interface ListedUpload {
  key: string;
  uploadId: string;
  initiated: Date | undefined;
}

/** The multipart uploads in progress under a prefix, every page. */
export async function* listUploads(
  client: S3Client,
  bucket: string,
  prefix: string,
  ownership?: ObjectTarget["ownership"],
): AsyncGenerator<ListedUpload> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        ...(prefix ? { Prefix: prefix } : {}),
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
        ...(ownership?.expectedBucketOwner ? { ExpectedBucketOwner: ownership.expectedBucketOwner } : {}),
        ...(ownership?.requestPayer ? { RequestPayer: ownership.requestPayer } : {}),
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId) continue;
      yield { key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated };
    }
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
    // A server that says "truncated" without saying where to go on would loop forever.
    if (!keyMarker && !uploadIdMarker) break;
  }
}

/** The uploads of exactly this key started at or after `since` (epoch ms), newest first. */
export async function uploadsOfKeySince(target: ObjectTarget, since: number): Promise<ListedUpload[]> {
  const found: ListedUpload[] = [];
  for await (const upload of listUploads(target.client, target.bucket, target.key, target.ownership)) {
    if (upload.key === target.key && (upload.initiated?.getTime() ?? 0) >= since) found.push(upload);
  }
  return found.sort((a, b) => (b.initiated?.getTime() ?? 0) - (a.initiated?.getTime() ?? 0));
}
