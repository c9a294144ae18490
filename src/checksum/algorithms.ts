/** The checksum algorithms S3 accepts on multipart uploads. */
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

/** Algorithms whose part values combine into a FULL_OBJECT checksum. */
export type CrcAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME";

/** Algorithms S3 accepts with ChecksumType COMPOSITE; CRC64NVME is full-object only. */
export type CompositeAlgorithm = Exclude<ChecksumAlgorithm, "CRC64NVME">;

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = [
  "CRC32",
  "CRC32C",
  "CRC64NVME",
  "SHA1",
  "SHA256",
];

const DIGEST_LENGTHS: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

export function isChecksumAlgorithm(value: unknown): value is ChecksumAlgorithm {
  return typeof value === "string" && Object.hasOwn(DIGEST_LENGTHS, value);
}

export function isFullObjectCapable(alg: ChecksumAlgorithm): alg is CrcAlgorithm {
  return alg === "CRC32" || alg === "CRC32C" || alg === "CRC64NVME";
}

export function supportsComposite(alg: ChecksumAlgorithm): alg is CompositeAlgorithm {
  return alg !== "CRC64NVME";
}

/** Length in bytes of the raw digest. */
export function digestLength(alg: ChecksumAlgorithm): number {
  return DIGEST_LENGTHS[alg];
}
