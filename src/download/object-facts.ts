import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from "../checksum/index.js";
import { readChecksum } from "../s3/checksum-fields.js";
import { etagPartCount } from "../planner/index.js";

/** The object's own checksum as HEAD reported it (ChecksumMode ENABLED); absent on servers that keep none. */
export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** S3's form: base64, with "-N" for a composite value. */
  value: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

/** What the download knows of the object before the first byte, and pins every range to. */
export interface ObjectFacts {
  size: number;
  /** As the server sent it (quoted). */
  etag: string;
  versionId?: string;
  checksum: ObjectChecksum | null;
  /** From the ETag's "-N"; null for an object written in one request. */
  partCount: number | null;
  /** Part sizes when multipart and known ("server") or guessed from size and part count ("inferred"). */
  partSizes?: number[];
  layout: "server" | "inferred" | "single" | "unknown";
  /** The ETag is an MD5 of the bytes (or of the part MD5s): not for SSE-C or SSE-KMS objects. */
  etagIsMd5: boolean;
}

/** Reads the object's checksum from a HEAD response: the algorithm it has, its value and its type. */
export function objectChecksum(head: HeadObjectCommandOutput): ObjectChecksum | null {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = readChecksum(algorithm, head);
    if (!value) continue;
    // The "-N" suffix marks a composite value, whatever a server says (or omits) in x-amz-checksum-type.
    const type = /-\d+$/.test(value) || head.ChecksumType === "COMPOSITE" ? "COMPOSITE" : "FULL_OBJECT";
    return { algorithm, value, type };
  }
  return null;
}

export function etagIsMd5(head: HeadObjectCommandOutput): boolean {
  if (head.SSECustomerAlgorithm) return false;
  const sse = head.ServerSideEncryption;
  return sse !== "aws:kms" && sse !== "aws:kms:dsse";
}

/** Ceph answers VersionId "null" on unversioned buckets; pinning to it would help nothing. */
export function pinnedVersion(
  requested: string | undefined,
  head: HeadObjectCommandOutput,
): string | undefined {
  if (requested) return requested;
  return head.VersionId && head.VersionId !== "null" ? head.VersionId : undefined;
}

export function factsFromHead(
  head: HeadObjectCommandOutput,
  layout: { partSizes?: number[]; layout: ObjectFacts["layout"] },
  requestedVersion: string | undefined,
): ObjectFacts {
  const etag = head.ETag ?? "";
  const versionId = pinnedVersion(requestedVersion, head);
  return {
    size: head.ContentLength ?? 0,
    etag,
    ...(versionId ? { versionId } : {}),
    checksum: objectChecksum(head),
    partCount: etagPartCount(etag),
    ...(layout.partSizes ? { partSizes: layout.partSizes } : {}),
    layout: layout.layout,
    etagIsMd5: etagIsMd5(head),
  };
}
