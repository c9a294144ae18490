export {
  CHECKSUM_ALGORITHMS,
  digestLength,
  isChecksumAlgorithm,
  isFullObjectCapable,
  supportsComposite,
  type ChecksumAlgorithm,
  type CompositeAlgorithm,
  type CrcAlgorithm,
} from "./algorithms.js";
export { fromS3Base64, toS3Base64, type Hasher } from "./hasher.js";
export {
  availableImplementations,
  checksumImplementations,
  createHasher,
  selectedImplementation,
  type ChecksumImplementation,
} from "./implementations.js";
export { createReferenceHasher } from "./reference.js";
export { combineCrc, fullObjectChecksum, type ChecksummedPart } from "./full-object.js";
export { compositeChecksum } from "./composite.js";
export { createMd5Hasher, md5Hex, multipartEtag } from "./etag.js";
export { checksumTypeFor, isCompositeValue, type ChecksumType } from "./checksum-type.js";
