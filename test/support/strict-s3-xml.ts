// Adds to S3's XML answers what AWS returns and the local Ceph omits (checksums), without parsing the rest:
// each function inserts elements before a closing tag and leaves everything else byte for byte.
import type { ChecksumAlgorithm } from "../../src/checksum/index.js";
import { checksumElement, type ChecksumType, type StoredUpload } from "./strict-s3-rules.js";

function element(name: string, value: string): string {
  return `<${name}>${value.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</${name}>`;
}

function insertBefore(xml: string, closingTag: string, insertion: string): string {
  const at = xml.lastIndexOf(closingTag);
  return at < 0 ? xml : xml.slice(0, at) + insertion + xml.slice(at);
}

/** CompleteMultipartUploadResult, CopyObjectResult, CopyPartResult: `<ChecksumX>` (and `<ChecksumType>`). */
export function addChecksum(
  xml: string,
  root: "CompleteMultipartUploadResult" | "CopyObjectResult" | "CopyPartResult",
  algorithm: ChecksumAlgorithm,
  value: string,
  type?: ChecksumType,
): string {
  return insertBefore(
    xml,
    `</${root}>`,
    element(checksumElement(algorithm), value) + (type ? element("ChecksumType", type) : ""),
  );
}

/** ListPartsResult: the upload's ChecksumAlgorithm and ChecksumType, and each part's checksum. */
export function addListPartsChecksums(xml: string, upload: StoredUpload): string {
  const { algorithm, type } = upload;
  if (!algorithm || !type) return xml;
  const withParts = xml.replace(/<Part>([\s\S]*?)<\/Part>/g, (whole, inner: string) => {
    const number = Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(inner)?.[1]);
    const checksum = upload.parts.get(number)?.checksum;
    return checksum === undefined
      ? whole
      : `<Part>${inner}${element(checksumElement(algorithm), checksum)}</Part>`;
  });
  return insertBefore(
    withParts,
    "</ListPartsResult>",
    element("ChecksumAlgorithm", algorithm) + element("ChecksumType", type),
  );
}

/** ListMultipartUploadsResult: each upload's ChecksumAlgorithm and ChecksumType, where known. */
export function addListUploadsChecksums(
  xml: string,
  lookup: (uploadId: string) => StoredUpload | undefined,
): string {
  return xml.replace(/<Upload>([\s\S]*?)<\/Upload>/g, (whole, inner: string) => {
    const id = /<UploadId>([\s\S]*?)<\/UploadId>/.exec(inner)?.[1];
    const upload = id === undefined ? undefined : lookup(id);
    if (!upload?.algorithm || !upload.type) return whole;
    return `<Upload>${inner}${element("ChecksumAlgorithm", upload.algorithm)}${element("ChecksumType", upload.type)}</Upload>`;
  });
}

/** The UploadId of an InitiateMultipartUploadResult. */
export function uploadIdOf(xml: string): string | undefined {
  return /<UploadId>([\s\S]*?)<\/UploadId>/.exec(xml)?.[1];
}

/** The keys of a DeleteObjects request body. */
export function deletedKeys(xml: string): string[] {
  return [...xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) =>
    m[1]!
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&"),
  );
}
