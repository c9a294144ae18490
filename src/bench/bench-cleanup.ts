/** Removing everything a bench run created under its own prefix, and saying what could not be removed. */
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { classifyError } from "../s3/error-class.js";
import { listUploads } from "../s3/multipart-requests.js";
import { listObjects, listObjectVersions, type ListedObject } from "../s3/object-requests.js";

export interface Cleanup {
  objectsDeleted: number;
  uploadsAborted: number;
  leftBehind: { objects: number; uploads: number };
  errors: string[];
}

type Note = (what: string, error: unknown) => void;

/** Deletes one finished run's object; a failure is left to the final sweep, which reports what remains. */
export async function deleteQuietly(client: S3Client, bucket: string, key: string): Promise<void> {
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch {
    // The final sweep lists the prefix and tries again; what still fails is reported there.
  }
}

/**
 * Removes everything under this run's prefix: multipart uploads still open (a transfer cut short aborts its
 * own, but a killed worker or a failed abort may leave one), then every object — every version of it when
 * the bucket is versioned — and finally lists again to report what is left. Never uses the run's abort
 * signal: it must still work after Ctrl-C.
 */
export async function cleanUp(client: S3Client, bucket: string, runPrefix: string): Promise<Cleanup> {
  const cleanup: Cleanup = {
    objectsDeleted: 0,
    uploadsAborted: 0,
    leftBehind: { objects: 0, uploads: 0 },
    errors: [],
  };
  const note: Note = (what, error) => {
    const info = classifyError(error);
    cleanup.errors.push(
      `${what}: ${info.code ?? info.name}${info.httpStatus ? ` (HTTP ${info.httpStatus})` : ""}`,
    );
  };
  for (const upload of await openUploads(client, bucket, runPrefix, note)) {
    try {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }),
      );
      cleanup.uploadsAborted++;
    } catch (error) {
      note(`aborting upload ${upload.uploadId} of ${upload.key}`, error);
    }
  }
  for (const object of await storedObjects(client, bucket, runPrefix, note)) {
    try {
      await client.send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: object.key,
          ...(object.versionId ? { VersionId: object.versionId } : {}),
        }),
      );
      cleanup.objectsDeleted++;
    } catch (error) {
      note(`deleting ${object.key}`, error);
    }
  }
  cleanup.leftBehind = {
    objects: (await storedObjects(client, bucket, runPrefix, note)).length,
    uploads: (await openUploads(client, bucket, runPrefix, note)).length,
  };
  return cleanup;
}

/** Every page of a listing, or what was listed before it failed (the failure noted). */
async function collect<T>(listing: AsyncIterable<T>, what: string, note: Note): Promise<T[]> {
  const found: T[] = [];
  try {
    for await (const item of listing) found.push(item);
  } catch (error) {
    note(what, error);
  }
  return found;
}

function openUploads(client: S3Client, bucket: string, prefix: string, note: Note) {
  return collect(listUploads(client, bucket, prefix), "listing multipart uploads", note);
}

async function storedObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  note: Note,
): Promise<ListedObject[]> {
  const versioning = await client
    .send(new GetBucketVersioningCommand({ Bucket: bucket }))
    .then((v) => v.Status)
    .catch(() => undefined);
  const versioned = versioning === "Enabled" || versioning === "Suspended";
  return collect(
    versioned ? listObjectVersions(client, bucket, prefix) : listObjects(client, bucket, prefix),
    "listing objects",
    note,
  );
}
