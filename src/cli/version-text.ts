import { CHECKSUM_ALGORITHMS, checksumImplementations } from "../checksum/index.js";
import { packageVersion } from "./version.js";

/** What `s3xfer --version` prints: the version, then what it runs on, so bug reports carry it. */
export function versionText(): string {
  const implementations = checksumImplementations();
  return [
    `s3xfer ${packageVersion()}`,
    `node ${process.versions.node}`,
    ...CHECKSUM_ALGORITHMS.map((alg) => `checksum ${alg}: ${implementations[alg]}`),
  ].join("\n");
}
