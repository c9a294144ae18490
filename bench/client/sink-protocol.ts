/**
 * The pure part of the null S3 sink: which S3 call a request is, what a declared source object looks like,
 * the checksum a request carries (header, or aws-chunked trailer at the end of the body), and the small XML
 * answers. No I/O here, so it is unit-tested (test/unit/bench-sink-protocol.test.ts).
 */

export type Operation =
  | "CreateMultipartUpload"
  | "UploadPart"
  | "UploadPartCopy"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListMultipartUploads"
  | "ListParts"
  | "ListObjects"
  | "PutObject"
  | "CopyObject"
  | "HeadObject"
  | "HeadBucket"
  | "CreateBucket"
  | "GetBucketLocation"
  | "GetObjectTagging"
  | "PutObjectTagging"
  | "DeleteObject"
  | "Unknown";

export interface Target {
  bucket: string;
  /** Decoded object key; "" for bucket-level calls. */
  key: string;
  query: URLSearchParams;
}

/**
 * Bucket and key of a request, path-style (`/bucket/key`) or virtual-hosted (`bucket.host/key`, when the
 * Host is a name other than localhost).
 */
export function parseTarget(url: string, host: string | undefined): Target {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  const hostName = (host ?? "").replace(/:\d+$/, "");
  const virtual = hostName !== "" && !/^(\d+\.\d+\.\d+\.\d+|localhost|\[.*\])$/.test(hostName);
  const segments = path.replace(/^\/+/, "");
  if (virtual) {
    const dot = hostName.indexOf(".");
    return { bucket: dot < 0 ? hostName : hostName.slice(0, dot), key: decodeKey(segments), query };
  }
  const slash = segments.indexOf("/");
  if (slash < 0) return { bucket: decodeKey(segments), key: "", query };
  return { bucket: decodeKey(segments.slice(0, slash)), key: decodeKey(segments.slice(slash + 1)), query };
}

function decodeKey(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The S3 call a request makes, from its method, query and the copy-source header. */
export function classify(method: string, target: Target, copySource: boolean): Operation {
  const { key, query } = target;
  const has = (name: string) => query.has(name);
  if (key === "") {
    if (method === "HEAD") return "HeadBucket";
    if (method === "PUT") return "CreateBucket";
    if (method === "GET" && has("location")) return "GetBucketLocation";
    if (method === "GET" && has("uploads")) return "ListMultipartUploads";
    if (method === "GET") return "ListObjects";
    return "Unknown";
  }
  switch (method) {
    case "POST":
      if (has("uploads")) return "CreateMultipartUpload";
      if (has("uploadId")) return "CompleteMultipartUpload";
      return "Unknown";
    case "PUT":
      if (has("tagging")) return "PutObjectTagging";
      if (has("partNumber") && has("uploadId")) return copySource ? "UploadPartCopy" : "UploadPart";
      return copySource ? "CopyObject" : "PutObject";
    case "GET":
      if (has("tagging")) return "GetObjectTagging";
      if (has("uploadId")) return "ListParts";
      return "Unknown";
    case "HEAD":
      return "HeadObject";
    case "DELETE":
      return has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    default:
      return "Unknown";
  }
}

/**
 * The size a source key declares: a last path segment `src-<bytes>` (e.g. `src-52428800000`) names an
 * object of that many bytes that the sink pretends to hold. Undefined for any other key.
 */
export function declaredSize(key: string): number | undefined {
  const match = /(?:^|\/)src-(\d+)$/.exec(key);
  if (!match) return undefined;
  const size = Number(match[1]);
  return Number.isSafeInteger(size) ? size : undefined;
}

/** The source key of an `x-amz-copy-source` header (`/bucket/key` or `bucket/key`, URL-encoded, ?versionId). */
export function copySourceKey(header: string): { bucket: string; key: string } {
  const withoutVersion = header.split("?")[0]!;
  const decoded = decodeKey(withoutVersion).replace(/^\/+/, "");
  const slash = decoded.indexOf("/");
  return slash < 0
    ? { bucket: decoded, key: "" }
    : { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** Length of an `x-amz-copy-source-range: bytes=a-b` (inclusive), or undefined without a valid range. */
export function rangeLength(header: string | undefined): number | undefined {
  const match = header ? /^bytes=(\d+)-(\d+)$/.exec(header) : null;
  if (!match) return undefined;
  const length = Number(match[2]) - Number(match[1]) + 1;
  return length > 0 ? length : undefined;
}

const CHECKSUM_HEADER = /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/;

/** The `x-amz-checksum-*` headers of a request, as AWS echoes them on UploadPart and PutObject. */
export function checksumHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const echoed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === "string" && CHECKSUM_HEADER.test(name)) echoed[name] = value;
  }
  return echoed;
}

/**
 * Checksums sent as an aws-chunked trailer: the body ends with `0\r\n` (or `0;chunk-signature=…\r\n`) and
 * then lines `x-amz-checksum-crc32:VALUE`. `tail` is the last bytes of the body (a few hundred suffice).
 */
export function trailerChecksums(tail: string): Record<string, string> {
  const echoed: Record<string, string> = {};
  for (const match of tail.matchAll(
    /x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256):([A-Za-z0-9+/=]+)/g,
  )) {
    echoed[`x-amz-checksum-${match[1]!}`] = match[2]!;
  }
  return echoed;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

export function createUploadXml(bucket: string, key: string, uploadId: string): string {
  return (
    `${XML_HEAD}<InitiateMultipartUploadResult ${NS}><Bucket>${xmlEscape(bucket)}</Bucket>` +
    `<Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`
  );
}

export function completeXml(bucket: string, key: string, etag: string): string {
  return (
    `${XML_HEAD}<CompleteMultipartUploadResult ${NS}><Location>/${xmlEscape(bucket)}/${xmlEscape(key)}</Location>` +
    `<Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag>` +
    `</CompleteMultipartUploadResult>`
  );
}

export function copyResultXml(
  element: "CopyPartResult" | "CopyObjectResult",
  etag: string,
  date: string,
): string {
  return `${XML_HEAD}<${element} ${NS}><LastModified>${date}</LastModified><ETag>${xmlEscape(etag)}</ETag></${element}>`;
}

export function emptyListXml(
  operation: "ListMultipartUploads" | "ListParts",
  bucket: string,
  key: string,
): string {
  const body =
    operation === "ListMultipartUploads"
      ? `<ListMultipartUploadsResult ${NS}><Bucket>${xmlEscape(bucket)}</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`
      : `<ListPartsResult ${NS}><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><IsTruncated>false</IsTruncated></ListPartsResult>`;
  return XML_HEAD + body;
}

/** A listing (v1 or v2 shape, both elements present) holding the given objects. */
export function listObjectsXml(
  bucket: string,
  prefix: string,
  objects: readonly { key: string; size: number; etag: string }[],
  date: string,
): string {
  const contents = objects
    .map(
      (o) =>
        `<Contents><Key>${xmlEscape(o.key)}</Key><LastModified>${date}</LastModified>` +
        `<ETag>${xmlEscape(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join("");
  return (
    `${XML_HEAD}<ListBucketResult ${NS}><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>` +
    `<KeyCount>${objects.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`
  );
}

export function taggingXml(): string {
  return `${XML_HEAD}<Tagging ${NS}><TagSet></TagSet></Tagging>`;
}

export function locationXml(): string {
  return `${XML_HEAD}<LocationConstraint ${NS}></LocationConstraint>`;
}

export function errorXml(code: string, message: string): string {
  return `${XML_HEAD}<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
}

/** A multipart ETag as S3 writes it: some hex, then `-<parts>`. */
export function multipartEtag(seed: number, parts: number): string {
  return `"${seed.toString(16).padStart(32, "0")}-${parts}"`;
}
