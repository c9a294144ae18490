// The demo's steps, run with the local S3's environment (see demo.sh): upload, server-side copy, and a
// download of the copy. Uses the built CLI exactly as a user would, so the progress bars are the real ones.
import { spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const size = Number(process.env.DEMO_SIZE_MIB ?? 1024) * 1024 * 1024;
const client = new S3Client({
  endpoint: process.env.AWS_ENDPOINT_URL,
  region: process.env.AWS_REGION,
  forcePathStyle: true,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});
const suffix = Date.now().toString(36);
const src = `demo-src-${suffix}`;
const dst = `demo-dst-${suffix}`;
const dir = await mkdtemp(join(tmpdir(), "s3xfer-demo-"));
const file = join(dir, "big.bin");

function step(title) {
  process.stdout.write(`\n== ${title}\n`);
}

function s3xfer(...args) {
  process.stdout.write(`$ s3xfer ${args.join(" ")}\n`);
  const run = spawnSync(process.execPath, ["dist/cli/main.js", ...args], { stdio: "inherit" });
  if (run.status !== 0) throw new Error(`s3xfer ${args[0]} exited with ${run.status}`);
}

async function sha256(stream) {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

try {
  step(`generating ${size / 1024 / 1024} MiB of random data in ${file}`);
  const out = await open(file, "w");
  const hash = createHash("sha256");
  for (let written = 0; written < size;) {
    const chunk = randomBytes(Math.min(8 * 1024 * 1024, size - written));
    hash.update(chunk);
    await out.write(chunk);
    written += chunk.length;
  }
  await out.close();
  const local = hash.digest("hex");
  process.stdout.write(`sha256 ${local}\n`);

  await client.send(new CreateBucketCommand({ Bucket: src }));
  await client.send(new CreateBucketCommand({ Bucket: dst }));

  step("upload: parallel multipart, parts read and checksummed by worker threads");
  s3xfer("cp", file, `s3://${src}/big.bin`, "--metadata", "origin=demo", "--tagging", "purpose=demo");

  // Up to 5 GiB one CopyObject is the default; --force-multipart shows the engine that copies objects of any
  // size: UploadPartCopy by the worker pool.
  step("server-side copy: UploadPartCopy, the source's own part layout, no bytes through this machine");
  s3xfer("cp", `s3://${src}/big.bin`, `s3://${dst}/big.bin`, "--force-multipart");

  step("verify: download both objects and compare with the local file");
  for (const bucket of [src, dst]) {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    const remote = await sha256(object.Body);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    const same = remote === local;
    process.stdout.write(
      `s3://${bucket}/big.bin  etag ${head.ETag}  sha256 ${remote}  ${same ? "identical" : "DIFFERENT"}\n`,
    );
    if (!same) throw new Error(`s3://${bucket}/big.bin differs from the local file`);
  }

  step("download: parallel ranged GETs pinned to the object, written in place, verified, then renamed");
  const downloaded = join(dir, "downloaded.bin");
  s3xfer("cp", `s3://${dst}/big.bin`, downloaded);
  const back = await sha256(createReadStream(downloaded));
  process.stdout.write(`${downloaded}  sha256 ${back}  ${back === local ? "identical" : "DIFFERENT"}\n`);
  if (back !== local) throw new Error("the downloaded copy differs from the local file");
  step("done: both objects and the downloaded copy are byte-identical to the local file");
} finally {
  for (const bucket of [src, dst]) {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "big.bin" })).catch(() => undefined);
    await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  }
  await rm(dir, { recursive: true, force: true });
  process.stdout.write("(the local S3 keeps running for the next run; stop it with: npm run s3:stop)\n");
}
