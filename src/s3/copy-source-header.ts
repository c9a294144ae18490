/** The x-amz-copy-source value: bucket/key with the key URL-encoded segment by segment, plus the version. */
export function encodeCopySource(source: { bucket: string; key: string; versionId?: string }): string {
  const key = source.key.split("/").map(encodeURIComponent).join("/");
  const base = `${source.bucket}/${key}`;
  return source.versionId ? `${base}?versionId=${encodeURIComponent(source.versionId)}` : base;
}
