// One @aws-sdk/lib-storage Upload of a file, as its users write it: a file stream as Body, the S3Client's
// own defaults unless told otherwise. Plain .mjs so the measured process loads no TypeScript loader, just
// like the other tools' processes.
//
//   node lib-storage-upload.mjs FILE BUCKET KEY [PART_SIZE QUEUE_SIZE CHECKSUM_ALGORITHM]
//
// Without the optional arguments: lib-storage defaults (5 MiB parts, queueSize 4) and the S3Client's default
// checksum behaviour (WHEN_SUPPORTED: the SDK computes a CRC32 for every part). Endpoint and credentials
// come from the environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, …), path-style addressing as any
// S3-compatible store needs.
import { createReadStream } from "node:fs";
import { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const [file, bucket, key, partSize, queueSize, checksumAlgorithm] = process.argv.slice(2);
if (!file || !bucket || !key) {
  console.error("usage: lib-storage-upload.mjs FILE BUCKET KEY [PART_SIZE QUEUE_SIZE CHECKSUM_ALGORITHM]");
  process.exit(2);
}

const client = new S3Client({
  endpoint: process.env.AWS_ENDPOINT_URL,
  region: process.env.AWS_REGION ?? "us-east-1",
  forcePathStyle: true,
});
const upload = new Upload({
  client,
  params: {
    Bucket: bucket,
    Key: key,
    Body: createReadStream(file),
    ...(checksumAlgorithm && checksumAlgorithm !== "default" ? { ChecksumAlgorithm: checksumAlgorithm } : {}),
  },
  ...(partSize ? { partSize: Number(partSize) } : {}),
  ...(queueSize ? { queueSize: Number(queueSize) } : {}),
});
const result = await upload.done();
client.destroy();
process.stdout.write(`${JSON.stringify({ etag: result.ETag ?? null, key: result.Key ?? key })}\n`);
