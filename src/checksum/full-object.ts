import {
  digestLength,
  isFullObjectCapable,
  type ChecksumAlgorithm,
  type CrcAlgorithm,
} from "./algorithms.js";
import { Crc32Field, Crc64Field, splitLength, type CrcField } from "./crc-field.js";

const fields = new Map<CrcAlgorithm, CrcField>();

function fieldFor(alg: ChecksumAlgorithm): CrcField {
  if (!isFullObjectCapable(alg)) throw new Error(`${alg} checksums cannot be combined; only CRCs can`);
  let field = fields.get(alg);
  if (!field) {
    switch (alg) {
      case "CRC32":
        field = new Crc32Field(0xedb88320);
        break;
      case "CRC32C":
        field = new Crc32Field(0x82f63b78);
        break;
      case "CRC64NVME":
        field = new Crc64Field(0x9a6c9329ac4bc9b5n);
        break;
    }
    fields.set(alg, field);
  }
  return field;
}

/**
 * The CRC of A‖B from the CRC of A, the CRC of B and the byte length of B (raw big-endian digests).
 * Lengths may exceed 2^32; a number must be a safe integer.
 */
export function combineCrc(
  alg: ChecksumAlgorithm,
  crcA: Uint8Array,
  crcB: Uint8Array,
  lengthB: number | bigint,
): Buffer {
  return fieldFor(alg).combine(crcA, crcB, splitLength(lengthB));
}

export interface ChecksummedPart {
  /** Raw big-endian CRC of the part's bytes. */
  readonly checksum: Uint8Array;
  /** Byte length of the part. */
  readonly size: number;
}

/** The FULL_OBJECT checksum of the concatenated parts, in order, without re-reading their data. */
export function fullObjectChecksum(alg: ChecksumAlgorithm, parts: readonly ChecksummedPart[]): Buffer {
  const field = fieldFor(alg);
  // The CRC of no bytes is zero for all three CRCs (init equals xorout), so folding can start from zero.
  let crc: Uint8Array = Buffer.alloc(digestLength(alg));
  for (const part of parts) crc = field.combine(crc, part.checksum, splitLength(part.size));
  return Buffer.from(crc);
}
