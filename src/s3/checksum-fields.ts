import type { ChecksumAlgorithm } from "../checksum/index.js";

type ChecksumFieldName =
  "ChecksumCRC32" | "ChecksumCRC32C" | "ChecksumCRC64NVME" | "ChecksumSHA1" | "ChecksumSHA256";

const FIELD: Record<ChecksumAlgorithm, ChecksumFieldName> = {
  CRC32: "ChecksumCRC32",
  CRC32C: "ChecksumCRC32C",
  CRC64NVME: "ChecksumCRC64NVME",
  SHA1: "ChecksumSHA1",
  SHA256: "ChecksumSHA256",
};

type ChecksumFields = Partial<Record<ChecksumFieldName, string | undefined>>;

/** The SDK request/response member that carries a checksum of this algorithm (x-amz-checksum-…). */
export function checksumField(
  algorithm: ChecksumAlgorithm,
  value: string,
): Partial<Record<ChecksumFieldName, string>> {
  return { [FIELD[algorithm]]: value };
}

/** The checksum of this algorithm in a response (HeadObject, Complete, CopyPartResult), if present. */
export function readChecksum(
  algorithm: ChecksumAlgorithm,
  response: ChecksumFields | undefined,
): string | undefined {
  return response?.[FIELD[algorithm]];
}

/** Whichever checksum a response carries (a part has at most one), with its algorithm. */
export function anyChecksum(
  response: ChecksumFields | undefined,
): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  for (const [algorithm, field] of Object.entries(FIELD) as [ChecksumAlgorithm, ChecksumFieldName][]) {
    const value = response?.[field];
    if (value) return { algorithm, value };
  }
  return undefined;
}
