import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { GetObjectCommand, ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";

/** A temporary directory for one test file's data, removed by `cleanup`. */
export async function scratchDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "s3xfer-test-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `size` random bytes (in 8 MiB chunks, never whole in memory) and returns their SHA-256. */
export async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const file = await open(path, "w");
  try {
    for (let written = 0; written < size;) {
      const chunk = randomBytes(Math.min(8 * 1024 * 1024, size - written));
      hash.update(chunk);
      await file.write(chunk);
      written += chunk.length;
    }
  } finally {
    await file.close();
  }
  return hash.digest("hex");
}

export async function sha256OfStream(stream: Readable | AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

export function sha256OfFile(path: string): Promise<string> {
  return sha256OfStream(createReadStream(path));
}

/** SHA-256 and length of an object as downloaded: the only proof that the bytes arrived. */
export async function downloadedSha256(
  client: S3Client,
  bucket: string,
  key: string,
  extra: Record<string, unknown> = {},
): Promise<{ sha256: string; size: number; etag: string }> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  let size = 0;
  const hash = createHash("sha256");
  for await (const chunk of response.Body as Readable) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { sha256: hash.digest("hex"), size, etag: response.ETag ?? "" };
}

export async function inProgressUploads(client: S3Client, bucket: string): Promise<string[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

export function etagPartCount(etag: string): number | null {
  const match = /-(\d+)"?$/.exec(etag);
  return match ? Number(match[1]) : null;
}
