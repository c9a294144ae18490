// What the AWS-strict proxy remembers between requests, in memory, for one proxy's life: the checksum mode
// and part checksums of each multipart upload it saw created, and the checksum of each object it saw
// written (PutObject, CompleteMultipartUpload, CopyObject). Objects it never saw written have no entry:
// HeadObject then answers without a checksum, as AWS does for an object stored without one.
import type { ChecksumAlgorithm } from "../../src/checksum/index.js";
import type { ChecksumType, StoredPart, StoredUpload, UploadChecksumMode } from "./strict-s3-rules.js";

export interface TrackedUpload extends StoredUpload {
  bucket: string;
  key: string;
}

export interface StoredObjectChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
  /** Base64; a COMPOSITE value ends in `-N`. */
  value: string;
}

export class StrictS3State {
  readonly uploads = new Map<string, TrackedUpload>();
  private readonly objects = new Map<string, StoredObjectChecksum | null>();

  private static objectId(bucket: string, key: string): string {
    return `${bucket}\0${key}`;
  }

  createUpload(uploadId: string, bucket: string, key: string, mode: UploadChecksumMode): TrackedUpload {
    const upload: TrackedUpload = { ...mode, bucket, key, parts: new Map() };
    this.uploads.set(uploadId, upload);
    return upload;
  }

  recordPart(uploadId: string, partNumber: number, part: StoredPart): void {
    this.uploads.get(uploadId)?.parts.set(partNumber, part);
  }

  endUpload(uploadId: string): void {
    this.uploads.delete(uploadId);
  }

  /** `null`: written without a checksum (a multipart upload created without an algorithm). */
  recordObject(bucket: string, key: string, checksum: StoredObjectChecksum | null): void {
    this.objects.set(StrictS3State.objectId(bucket, key), checksum);
  }

  /** undefined: never seen written through this proxy; null: written without a checksum. */
  object(bucket: string, key: string): StoredObjectChecksum | null | undefined {
    return this.objects.get(StrictS3State.objectId(bucket, key));
  }

  forgetObject(bucket: string, key: string): void {
    this.objects.delete(StrictS3State.objectId(bucket, key));
  }
}
