import { ListPartsCommand } from "@aws-sdk/client-s3";
import { ownershipParams } from "../s3/object-attributes.js";
import type { Destination } from "./multipart.js";

export interface ServerPart {
  partNumber: number;
  etag: string;
  size: number;
  checksum?: string;
}

/** Every part the server holds for an upload, 1,000 a page. */
export async function listParts(dest: Destination, uploadId: string): Promise<Map<number, ServerPart>> {
  const parts = new Map<number, ServerPart>();
  let marker: string | undefined;
  for (;;) {
    const page = await dest.client.send(
      new ListPartsCommand({
        Bucket: dest.bucket,
        Key: dest.key,
        UploadId: uploadId,
        MaxParts: 1000,
        ...(marker ? { PartNumberMarker: marker } : {}),
        ...ownershipParams(dest.ownership),
        ...(dest.sseCustomer
          ? { SSECustomerAlgorithm: "AES256", SSECustomerKey: dest.sseCustomer.key as unknown as string }
          : {}),
      }),
    );
    for (const part of page.Parts ?? []) {
      if (part.PartNumber === undefined) continue;
      const checksum =
        part.ChecksumCRC64NVME ??
        part.ChecksumCRC32 ??
        part.ChecksumCRC32C ??
        part.ChecksumSHA1 ??
        part.ChecksumSHA256;
      parts.set(part.PartNumber, {
        partNumber: part.PartNumber,
        etag: part.ETag ?? "",
        size: part.Size ?? -1,
        ...(checksum ? { checksum } : {}),
      });
    }
    if (!page.IsTruncated || !page.NextPartNumberMarker) break;
    marker = String(page.NextPartNumberMarker);
  }
  return parts;
}
