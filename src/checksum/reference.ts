import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { Crc32 } from "@aws-crypto/crc32";
import type { Crc32c } from "@aws-crypto/crc32c";
import type { ChecksumAlgorithm } from "./algorithms.js";
import { Crc64NvmeJs } from "./crc64nvme-js.js";
import { crc32ToBuffer, type Hasher } from "./hasher.js";

// The @aws-crypto packages (and their dependencies) are required only when a reference hasher is made: every
// process imports this module through the checksum index, and almost none needs them.
const require = createRequire(import.meta.url);

// Never import @aws-sdk/crc64-nvme-crt anywhere: it silently swaps @aws-sdk/crc64-nvme to CRT, and the
// reference must stay independent of the native code it checks.

class AwsCryptoCrcHasher implements Hasher {
  constructor(private readonly crc: { update(data: Uint8Array): unknown; digest(): number }) {}

  update(data: Uint8Array): void {
    this.crc.update(data);
  }

  digest(): Buffer {
    return crc32ToBuffer(this.crc.digest());
  }
}

export function createNodeCryptoHasher(name: "sha1" | "sha256" | "md5"): Hasher {
  const hash = createHash(name);
  return {
    update: (data) => void hash.update(data),
    digest: () => hash.digest(),
  };
}

/**
 * The slow pure-JS implementation of each algorithm (node:crypto for SHA), kept to check the fast ones.
 * CRC64NVME uses the project's own port because @aws-sdk/crc64-nvme's digest is async; tests compare the two.
 */
export function createReferenceHasher(alg: ChecksumAlgorithm): Hasher {
  switch (alg) {
    case "CRC32":
      return new AwsCryptoCrcHasher(new (require("@aws-crypto/crc32") as { Crc32: typeof Crc32 }).Crc32());
    case "CRC32C":
      return new AwsCryptoCrcHasher(
        new (require("@aws-crypto/crc32c") as { Crc32c: typeof Crc32c }).Crc32c(),
      );
    case "CRC64NVME":
      return new Crc64NvmeJs();
    case "SHA1":
      return createNodeCryptoHasher("sha1");
    case "SHA256":
      return createNodeCryptoHasher("sha256");
  }
}
