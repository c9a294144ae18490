/**
 * Incremental checksum. `digest()` returns the raw big-endian bytes (what S3 base64-encodes) and ends the
 * hasher: SHA hashers cannot be updated or digested again afterwards.
 */
export interface Hasher {
  update(data: Uint8Array): void;
  digest(): Buffer;
}

/** S3 sends and expects checksums as standard base64 of the raw digest bytes. */
export function toS3Base64(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString("base64");
}

/** Raw digest bytes of a base64 checksum as S3 reports it (any `-N` composite suffix must be removed first). */
export function fromS3Base64(value: string): Buffer {
  return Buffer.from(value, "base64");
}

export function crc32ToBuffer(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}
