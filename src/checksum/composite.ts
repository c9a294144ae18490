import { digestLength, supportsComposite, type ChecksumAlgorithm } from "./algorithms.js";
import { toS3Base64 } from "./hasher.js";
import { createHasher } from "./implementations.js";

/**
 * S3's COMPOSITE multipart checksum: the checksum of the concatenated raw part digests, base64, then `-N`
 * with N the number of parts, e.g. "Mtq9tA==-3".
 */
export function compositeChecksum(alg: ChecksumAlgorithm, partDigests: readonly Uint8Array[]): string {
  if (!supportsComposite(alg))
    throw new Error(`${alg} has no COMPOSITE form; S3 accepts it as FULL_OBJECT only`);
  if (partDigests.length === 0) throw new Error("a multipart upload has at least one part");
  const width = digestLength(alg);
  const hasher = createHasher(alg);
  for (const [index, digest] of partDigests.entries()) {
    if (digest.length !== width) {
      throw new RangeError(`part ${index + 1}: expected a ${width}-byte ${alg} digest, got ${digest.length}`);
    }
    hasher.update(digest);
  }
  return `${toS3Base64(hasher.digest())}-${partDigests.length}`;
}
