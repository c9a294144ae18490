import { UsageError } from "../errors.js";

export interface S3Location {
  bucket: string;
  key: string;
  versionId?: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.\-_]{1,253}[a-z0-9]$/i;

export function isS3Url(text: string): boolean {
  return /^s3:\/\//i.test(text);
}

/**
 * Parses `s3://bucket/key[?versionId=V]`. The key is taken literally (it may contain `?`, spaces, `%`); only
 * a trailing `?versionId=…` is read as the version, as aws-cli does.
 */
export function parseS3Url(text: string, options: { requireKey?: boolean } = {}): S3Location {
  const requireKey = options.requireKey ?? true;
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/is.exec(text);
  if (!match) {
    throw new UsageError("INVALID_S3_URL", `"${text}" is not an S3 URL: write it as s3://bucket/key`);
  }
  const bucket = match[1]!;
  let key = match[2] ?? "";
  let versionId: string | undefined;
  const version = /\?versionId=([^&]+)$/.exec(key);
  if (version) {
    versionId = decodeURIComponent(version[1]!);
    key = key.slice(0, version.index);
  }
  if (!bucket) {
    throw new UsageError("INVALID_S3_URL", `"${text}" has no bucket name: write it as s3://bucket/key`);
  }
  if (!BUCKET_NAME.test(bucket)) {
    throw new UsageError(
      "INVALID_S3_URL",
      `"${bucket}" is not a valid bucket name in "${text}": 3–255 letters, digits, dots, hyphens or underscores`,
    );
  }
  if (requireKey && !key) {
    throw new UsageError("INVALID_S3_URL", `"${text}" has no object key: write it as s3://${bucket}/key`);
  }
  return versionId === undefined ? { bucket, key } : { bucket, key, versionId };
}

export function formatS3Url(location: S3Location): string {
  const base = `s3://${location.bucket}/${location.key}`;
  return location.versionId ? `${base}?versionId=${location.versionId}` : base;
}

/**
 * aws-cli's convention for a destination that ends in "/" (or is only a bucket and "/"): it names a folder,
 * and the object goes in it under the source's own name — `cp big.tar s3://b/dir/` writes s3://b/dir/big.tar.
 * `sourceName` is the file's base name or the source key's last segment; undefined for stdin, which has no
 * name to give.
 */
export function destinationInFolder(destination: S3Location, sourceName: string | undefined): S3Location {
  if (destination.key !== "" && !destination.key.endsWith("/")) return destination;
  const url = formatS3Url(destination);
  if (sourceName === undefined) {
    throw new UsageError(
      "INVALID_S3_URL",
      `destination ${url} ends in "/" and stdin has no name to put there: give the full key, e.g. ${url}name`,
    );
  }
  if (sourceName === "" || sourceName.endsWith("/")) {
    throw new UsageError(
      "INVALID_S3_URL",
      `destination ${url} ends in "/" and the source has no name of its own to put there: give the full key`,
    );
  }
  return { ...destination, key: `${destination.key}${sourceName}` };
}

/** The last segment of an S3 key ("a/b/c.tar" → "c.tar"); empty for a key that ends in "/". */
export function keyBaseName(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/**
 * An endpoint must be an http(s) URL with a host; anything else fails late, deep in the SDK, with a message
 * that does not say which setting was wrong. `setting` names where it came from (a flag or a variable).
 */
export function checkEndpointUrl(endpoint: string, setting: string): void {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    const why = url === undefined ? "is not a URL" : `is not an http or https URL`;
    throw new UsageError(
      "USAGE",
      `${setting} "${endpoint}" ${why}: give it as http(s)://host[:port], e.g. http://127.0.0.1:7480`,
    );
  }
}
