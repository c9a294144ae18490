import { createHash } from "node:crypto";
import type { Hasher } from "./hasher.js";
import { createNodeCryptoHasher } from "./reference.js";

const MD5_LENGTH = 16;

/** Incremental MD5 of a part, for the ETag S3 returns (non-KMS). */
export function createMd5Hasher(): Hasher {
  return createNodeCryptoHasher("md5");
}

/** Hex MD5 of the data: the ETag of a single-part (non-KMS) object, without the quotes S3 adds. */
export function md5Hex(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

/**
 * The ETag S3 gives a (non-KMS) multipart object, without quotes: hex MD5 of the concatenated raw part MD5s,
 * then `-N`. It depends on the part boundaries as well as the bytes.
 */
export function multipartEtag(partMd5s: readonly Uint8Array[]): string {
  if (partMd5s.length === 0) throw new Error("a multipart upload has at least one part");
  const hash = createHash("md5");
  for (const [index, md5] of partMd5s.entries()) {
    if (md5.length !== MD5_LENGTH) {
      throw new RangeError(`part ${index + 1}: expected a 16-byte MD5, got ${md5.length} bytes`);
    }
    hash.update(md5);
  }
  return `${hash.digest("hex")}-${partMd5s.length}`;
}
