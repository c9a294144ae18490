import { packageVersion } from "./version.js";

/** What `s3xfer --version` prints: the version, then what it runs on, so bug reports carry it. */
export function versionText(): string {
  return [`s3xfer ${packageVersion()}`, `node ${process.versions.node}`].join("\n");
}
