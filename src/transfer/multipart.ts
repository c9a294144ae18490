import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  fromS3Base64,
  fullObjectChecksum,
  compositeChecksum,
  isFullObjectCapable,
  toS3Base64,
  type ChecksumAlgorithm,
} from "../checksum/index.js";
import { checksumField } from "../s3/checksum-fields.js";
import {
  ownershipParams,
  ssecParams,
  writeParams,
  type ObjectAttributes,
  type RequestOwnership,
  type SseCustomerKey,
} from "../s3/object-attributes.js";
import type { PartDone } from "./run-parts.js";

export interface Destination {
  client: S3Client;
  bucket: string;
  key: string;
  ownership?: RequestOwnership;
  sseCustomer?: SseCustomerKey;
}

export type ChecksumType = "FULL_OBJECT" | "COMPOSITE";

/** FULL_OBJECT where the algorithm's values combine (the CRCs); COMPOSITE for SHA. */
export function checksumTypeFor(algorithm: ChecksumAlgorithm | null): ChecksumType | null {
  if (!algorithm) return null;
  return isFullObjectCapable(algorithm) ? "FULL_OBJECT" : "COMPOSITE";
}

export async function createUpload(
  dest: Destination,
  attributes: ObjectAttributes,
  algorithm: ChecksumAlgorithm | null,
  signal?: AbortSignal,
): Promise<string> {
  const type = checksumTypeFor(algorithm);
  const response = await dest.client.send(
    new CreateMultipartUploadCommand({
      Bucket: dest.bucket,
      Key: dest.key,
      ...writeParams(attributes),
      ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}),
      ...(type ? { ChecksumType: type } : {}),
      ...ssecParams(dest.sseCustomer),
      ...ownershipParams(dest.ownership),
    }),
    signal ? { abortSignal: signal } : {},
  );
  if (!response.UploadId) throw new Error("CreateMultipartUpload returned no upload id");
  return response.UploadId;
}

/** The object-level checksum we expect, computed from the part values without reading the data again. */
export function objectChecksum(
  algorithm: ChecksumAlgorithm | null,
  parts: readonly PartDone[],
): string | null {
  if (!algorithm || parts.some((p) => !p.checksum)) return null;
  if (isFullObjectCapable(algorithm)) {
    return toS3Base64(
      fullObjectChecksum(
        algorithm,
        parts.map((p) => ({ checksum: fromS3Base64(p.checksum!), size: p.bytes })),
      ),
    );
  }
  return compositeChecksum(
    algorithm,
    parts.map((p) => fromS3Base64(p.checksum!)),
  );
}

export async function completeUpload(
  dest: Destination,
  uploadId: string,
  parts: readonly PartDone[],
  algorithm: ChecksumAlgorithm | null,
  fullObject: string | null,
  objectSize: number,
): Promise<{ etag: string; versionId?: string }> {
  const type = checksumTypeFor(algorithm);
  const completed: CompletedPart[] = parts.map((p) => ({
    PartNumber: p.partNumber,
    ETag: p.etag,
    ...(algorithm && p.checksum && p.checksumAcknowledged ? checksumField(algorithm, p.checksum) : {}),
  }));
  const response = await dest.client.send(
    new CompleteMultipartUploadCommand({
      Bucket: dest.bucket,
      Key: dest.key,
      UploadId: uploadId,
      MultipartUpload: { Parts: completed },
      // S3 checks a FULL_OBJECT value given here against the parts it received.
      ...(type === "FULL_OBJECT" && algorithm && fullObject
        ? { ...checksumField(algorithm, fullObject), ChecksumType: type }
        : {}),
      MpuObjectSize: objectSize,
      ...ssecParams(dest.sseCustomer),
      ...ownershipParams(dest.ownership),
    }),
  );
  const result: { etag: string; versionId?: string } = { etag: response.ETag ?? "" };
  if (response.VersionId) result.versionId = response.VersionId;
  return result;
}

/** Aborts, and reports whether it worked: a failed abort leaves an upload the user must be told about. */
export async function abortUpload(dest: Destination, uploadId: string): Promise<boolean> {
  try {
    await dest.client.send(
      new AbortMultipartUploadCommand({
        Bucket: dest.bucket,
        Key: dest.key,
        UploadId: uploadId,
        ...ownershipParams(dest.ownership),
      }),
    );
    return true;
  } catch (error) {
    const name = (error as { name?: string }).name;
    // Already gone (aborted, completed): nothing is left behind.
    return name === "NoSuchUpload" || name === "NoSuchKey";
  }
}

export async function headObject(dest: Destination, versionId?: string): Promise<HeadObjectCommandOutput> {
  return dest.client.send(
    new HeadObjectCommand({
      Bucket: dest.bucket,
      Key: dest.key,
      ...(versionId ? { VersionId: versionId } : {}),
      ChecksumMode: "ENABLED",
      ...ssecParams(dest.sseCustomer),
      ...ownershipParams(dest.ownership),
    }),
  );
}

function parseTagging(tagging: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(tagging)) tags.set(key, value);
  return tags;
}

/**
 * Makes sure the finished object carries the tags asked for at CreateMultipartUpload. Some servers (this
 * Ceph) accept x-amz-tagging there and drop it; then the tags are set with PutObjectTagging. Returns a note
 * for the result when that was needed.
 */
export async function ensureTags(
  dest: Destination,
  versionId: string | undefined,
  tagging: string | undefined,
): Promise<string | undefined> {
  if (!tagging) return undefined;
  const wanted = parseTagging(tagging);
  const common = {
    Bucket: dest.bucket,
    Key: dest.key,
    ...(versionId ? { VersionId: versionId } : {}),
    ...ownershipParams(dest.ownership),
  };
  const current = await dest.client.send(new GetObjectTaggingCommand(common));
  const have = new Map((current.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  if (have.size === wanted.size && [...wanted].every(([k, v]) => have.get(k) === v)) return undefined;
  await dest.client.send(
    new PutObjectTaggingCommand({
      ...common,
      Tagging: { TagSet: [...wanted].map(([Key, Value]) => ({ Key, Value })) },
    }),
  );
  return "the server dropped the tags given at CreateMultipartUpload; they were set with PutObjectTagging";
}
