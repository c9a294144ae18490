/** What a copy learns of its source object before writing anything, and how it checks it is unchanged. */
import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { TransferError, UsageError } from "../../errors.js";
import { etagPartCount, inferPartSizes, type S3Limits } from "../../planner/index.js";
import { classifyError } from "../../s3/error-class.js";
import { explainS3Error } from "../../s3/error-explain.js";
import {
  bucketExists,
  headSourceObject,
  type SourceAccess,
  type SourceRef,
} from "../../s3/object-requests.js";

export type { SourceAccess, SourceRef };

/** What a copy needs to know about its source, read once before anything is written. */
export interface SourceObject extends SourceRef {
  size: number;
  etag: string;
  head: HeadObjectCommandOutput;
  /** The source's part sizes when it is multipart and they are known or could be inferred. */
  partSizes?: number[];
  /** How the layout was learned: from the server (exact), inferred from size and part count, or none. */
  layout: "server" | "inferred" | "single" | "unknown";
}

export async function headSource(source: SourceRef, access: SourceAccess): Promise<HeadObjectCommandOutput> {
  try {
    return await headSourceObject(source, access);
  } catch (error) {
    throw await explainSourceError(error, source, access);
  }
}

async function explainSourceError(
  error: unknown,
  source: SourceRef,
  access: SourceAccess,
): Promise<TransferError | UsageError> {
  const info = classifyError(error);
  const url = `s3://${source.bucket}/${source.key}${source.versionId ? `?versionId=${source.versionId}` : ""}`;
  if (info.httpStatus === 404) {
    // A HEAD's 404 has no body, so it cannot say whether the bucket or the key is missing: ask.
    if (
      info.code === "NoSuchBucket" ||
      !(await bucketExists(access.client, source.bucket, access.expectedOwner))
    ) {
      return new UsageError(
        "SOURCE_NOT_FOUND",
        `source bucket "${source.bucket}" does not exist: check the bucket name`,
      );
    }
    return new UsageError(
      "SOURCE_NOT_FOUND",
      source.versionId
        ? `source ${url} does not exist (no such version, or the version is a delete marker): ` +
            "name an existing version (aws s3api list-object-versions lists them)"
        : `source ${url} does not exist (or is deleted: its current version is a delete marker): ` +
            "check the key, or name an older version with ?versionId=",
    );
  }
  if (info.httpStatus === 405) {
    return new UsageError(
      "SOURCE_NOT_FOUND",
      `source ${url} is a delete marker, not an object: name another version`,
    );
  }
  if (info.httpStatus === 400 && !access.sseCustomer) {
    return new UsageError(
      "SOURCE_UNREADABLE",
      `source ${url} cannot be read (HTTP 400): if it is encrypted with SSE-C, pass its key with --sse-c-copy-source-key`,
    );
  }
  return explainS3Error(error, { bucket: source.bucket, key: source.key }, "reading the source");
}

/**
 * HEADs the source and works out its multipart layout: exactly from HEAD ?partNumber= where the server
 * answers it (AWS), otherwise inferred from the size and the ETag's part count (this Ceph ignores
 * partNumber). GetObjectAttributes is never sent: some servers answer it as a GET of the whole object.
 */
export async function describeSource(
  source: SourceRef,
  access: SourceAccess,
  limits?: Partial<S3Limits>,
): Promise<SourceObject> {
  const head = await headSource(source, access);
  const size = head.ContentLength ?? 0;
  const etag = head.ETag ?? "";
  const described: SourceObject = {
    bucket: source.bucket,
    key: source.key,
    // Pin the exact version we looked at, so every part copies the same bytes even if the key is overwritten.
    ...((source.versionId ?? head.VersionId) ? { versionId: source.versionId ?? head.VersionId } : {}),
    size,
    etag,
    head,
    layout: "single",
  };
  const parts = etagPartCount(etag);
  if (parts === null) return described;
  const reported = await reportedLayout(described, access, parts);
  if (reported) return { ...described, partSizes: reported, layout: "server" };
  const inferred = inferPartSizes(size, parts, limits);
  return inferred
    ? { ...described, partSizes: inferred, layout: "inferred" }
    : { ...described, layout: "unknown" };
}

/** Part sizes as the server reports them, or undefined when it does not (no x-amz-mp-parts-count). */
async function reportedLayout(
  source: SourceObject,
  access: SourceAccess,
  parts: number,
): Promise<number[] | undefined> {
  const first = await headSourceObject(source, access, 1).catch(() => undefined);
  if (!first || first.PartsCount !== parts || first.ContentLength === undefined) return undefined;
  const partSize = first.ContentLength;
  if (parts === 1) return [partSize];
  // Uniform layouts (what nearly every tool writes) are confirmed with the last part alone.
  const lastExpected = source.size - (parts - 1) * partSize;
  const last = await headSourceObject(source, access, parts).catch(() => undefined);
  if (last?.ContentLength === lastExpected && lastExpected > 0 && lastExpected <= partSize) {
    return [...new Array<number>(parts - 1).fill(partSize), lastExpected];
  }
  const sizes: number[] = [partSize];
  for (let n = 2; n <= parts; n++) {
    const head = await headSourceObject(source, access, n);
    if (head.ContentLength === undefined) return undefined;
    sizes.push(head.ContentLength);
  }
  return sizes;
}

/** Throws unless the source still is the object the copy started from. */
export async function checkSourceUnchanged(
  source: SourceObject,
  access: SourceAccess,
  location: { bucket: string; key: string; uploadId?: string },
): Promise<void> {
  let now: HeadObjectCommandOutput;
  try {
    now = await headSourceObject(source, access);
  } catch (error) {
    // Only an answer about the object itself means it changed: 404 (deleted, or the pinned version is gone)
    // or 412. A server that cannot be reached or answers 5xx says nothing about the source: that failure is
    // transient, and the copy stays resumable.
    const info = classifyError(error);
    if (info.httpStatus === 404 || info.httpStatus === 412) {
      throw new TransferError(
        "SOURCE_CHANGED",
        `source changed during copy: it can no longer be read (HTTP ${info.httpStatus} ${info.code ?? ""})`.trimEnd(),
        location,
      );
    }
    throw explainS3Error(error, location, "checking the source before completing");
  }
  const changes: string[] = [];
  if (now.ETag !== source.etag) changes.push(`ETag ${source.etag} → ${now.ETag}`);
  if (now.ContentLength !== source.size) changes.push(`size ${source.size} → ${now.ContentLength}`);
  if (source.versionId && now.VersionId && now.VersionId !== source.versionId)
    changes.push(`version ${source.versionId} → ${now.VersionId}`);
  if (changes.length > 0) {
    throw new TransferError(
      "SOURCE_CHANGED",
      `source changed during copy (${changes.join(", ")}): the copy was not completed; run it again to copy the new object`,
      location,
    );
  }
}
