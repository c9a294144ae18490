import {
  compositeChecksum,
  fromS3Base64,
  fullObjectChecksum,
  isFullObjectCapable,
  toS3Base64,
  type ChecksumAlgorithm,
} from "../checksum/index.js";
import type { PartDone } from "../engine/run-parts.js";

/** The object-level checksum we expect, computed from the part values without reading the data again. */
export function objectChecksum(
  algorithm: ChecksumAlgorithm | null,
  parts: readonly { checksum?: string | undefined; bytes: number }[],
): string | null {
  if (!algorithm || parts.length === 0 || parts.some((p) => !p.checksum)) return null;
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

/**
 * Whether CompleteMultipartUpload lists the part checksums. AWS requires every part's checksum for an
 * upload created with an algorithm, and shows that it knows them by echoing them on UploadPart, in
 * CopyPartResult and in ListParts. A server that echoes none ignores them — and this Ceph also caps
 * Complete's body at 1 MiB, which 10,000 parts with checksums exceed. So: list them as soon as the server
 * has acknowledged any part's checksum (in this run, before a crash as the journal recorded, or in ListParts
 * on resume), and leave them out only for a server that never did.
 */
export function partChecksumsKnownToServer(parts: readonly PartDone[]): boolean {
  return parts.some((p) => p.checksumAcknowledged);
}

/** The server ignored every part checksum it was sent: nothing it says about checksums was checked. */
export function serverIgnoredChecksums(
  algorithm: ChecksumAlgorithm | null,
  parts: readonly PartDone[],
): boolean {
  return algorithm !== null && parts.length > 0 && !parts.some((p) => p.checksumAcknowledged);
}
