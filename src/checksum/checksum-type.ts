import { isFullObjectCapable, type ChecksumAlgorithm } from "./algorithms.js";

export type ChecksumType = "FULL_OBJECT" | "COMPOSITE";

/**
 * The type s3xfer asks for: FULL_OBJECT where the algorithm's values combine (the CRCs), COMPOSITE for SHA.
 * S3 allows CRC32/CRC32C either way, CRC64NVME only as FULL_OBJECT and SHA1/SHA256 only as COMPOSITE.
 */
export function checksumTypeFor(algorithm: ChecksumAlgorithm | null): ChecksumType | null {
  if (!algorithm) return null;
  return isFullObjectCapable(algorithm) ? "FULL_OBJECT" : "COMPOSITE";
}

/** A checksum value in S3's form is composite when it ends in "-N" (the number of parts). */
export function isCompositeValue(value: string): boolean {
  return /-\d+$/.test(value);
}
