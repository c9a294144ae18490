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
