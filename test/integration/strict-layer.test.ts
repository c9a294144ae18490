// Proves the AWS-strict proxy itself: AWS's own clients (aws-cli v1 with a current botocore on PATH,
// aws-cli v2 from Debian, @aws-sdk/lib-storage) pass through it, and what AWS refuses, it refuses.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type ChecksumAlgorithm,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket, localS3Env, testClient } from "../support/local-s3.js";
import { downloadedSha256, randomFile, scratchDir } from "../support/objects.js";
import { startStrictS3Proxy, type StrictS3Proxy } from "../support/strict-s3-proxy.js";
import { checksumOf } from "../support/strict-s3-rules.js";

const env = localS3Env();
const direct = testClient();
let proxy: StrictS3Proxy;
let strict: S3Client;
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let small: string;
let smallSha: string;
let multi: string;
let multiSha: string;

beforeAll(async () => {
  proxy = await startStrictS3Proxy();
  strict = testClient({ endpoint: proxy.url });
  bucket = await createTestBucket("strict-layer");
  scratch = await scratchDir();
  small = join(scratch.dir, "small.bin");
  smallSha = await randomFile(small, 100_000);
  multi = join(scratch.dir, "multi.bin");
  multiSha = await randomFile(multi, 12 * MiB);
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch?.cleanup();
  strict?.destroy();
  await proxy?.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an aws-cli against the proxy, with the test credentials and no user configuration. */
function aws(binary: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ["--endpoint-url", proxy.url, ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: scratch.dir,
          AWS_ACCESS_KEY_ID: env.accessKeyId,
          AWS_SECRET_ACCESS_KEY: env.secretAccessKey,
          AWS_DEFAULT_REGION: env.region,
          AWS_CONFIG_FILE: join(scratch.dir, "no-aws-config"),
          AWS_SHARED_CREDENTIALS_FILE: join(scratch.dir, "no-aws-credentials"),
          AWS_PAGER: "",
        },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function headChecksum(key: string) {
  return strict.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
}

function refusalsSince(mark: number) {
  return proxy.refusals.slice(mark);
}

describe.each([
  ["aws-cli v1 + botocore (aws on PATH)", "aws"],
  ["aws-cli v2 (Debian, /usr/bin/aws)", "/usr/bin/aws"],
])("%s through the strict layer", (_name, binary) => {
  const tag = binary === "aws" ? "v1" : "v2";

  it("s3 cp: a small file and a multipart file arrive whole; HEAD with checksum mode shows a checksum", async () => {
    const mark = proxy.refusals.length;
    const version = await aws(binary, ["--version"]);
    expect(version.code, version.stderr).toBe(0);
    console.log(`${binary}: ${(version.stdout + version.stderr).trim()}`);
    for (const [file, key] of [
      [small, `${tag}/small`],
      [multi, `${tag}/multi`],
    ] as const) {
      const run = await aws(binary, ["s3", "cp", file, `s3://${bucket}/${key}`, "--only-show-errors"]);
      expect(run.code, run.stderr).toBe(0);
    }
    expect(refusalsSince(mark)).toEqual([]);
    expect((await downloadedSha256(direct, bucket, `${tag}/small`)).sha256).toBe(smallSha);
    expect((await downloadedSha256(direct, bucket, `${tag}/multi`)).sha256).toBe(multiSha);
    // A single PutObject always has a checksum on AWS (the client's, or S3's default CRC64NVME).
    expect((await headChecksum(`${tag}/small`)).ChecksumType).toBe("FULL_OBJECT");
    // The multipart one has a checksum only if the client created the upload with an algorithm: botocore
    // since 1.36 does (CRC32), aws-cli v2.9 (2023) sends none.
    const head = await headChecksum(`${tag}/multi`);
    if (binary === "aws") expect(head.ChecksumCRC32).toMatch(/-2$/);
    console.log(`${binary} s3 cp multipart: checksum type ${head.ChecksumType ?? "none"}`);
  });

  it("s3api with --checksum-algorithm: put-object, and a multipart upload completed with the parts ListParts returns", async () => {
    const mark = proxy.refusals.length;
    const put = await aws(binary, [
      "s3api",
      "put-object",
      "--bucket",
      bucket,
      "--key",
      `${tag}/put-sha256`,
      "--body",
      small,
      "--checksum-algorithm",
      "SHA256",
    ]);
    expect(put.code, put.stderr).toBe(0);
    expect(JSON.parse(put.stdout).ChecksumSHA256).toBe(checksumOf("SHA256", await readFile(small)));

    // SHA1, not CRC32C: aws-cli v1 computes CRC32C only with botocore[crt], not installed here.
    const key = `${tag}/mpu-sha1`;
    const create = await aws(binary, [
      "s3api",
      "create-multipart-upload",
      "--bucket",
      bucket,
      "--key",
      key,
      "--checksum-algorithm",
      "SHA1",
    ]);
    expect(create.code, create.stderr).toBe(0);
    const uploadId = JSON.parse(create.stdout).UploadId as string;
    const part = await aws(binary, [
      "s3api",
      "upload-part",
      "--bucket",
      bucket,
      "--key",
      key,
      "--upload-id",
      uploadId,
      "--part-number",
      "1",
      "--body",
      small,
      "--checksum-algorithm",
      "SHA1",
    ]);
    expect(part.code, part.stderr).toBe(0);
    expect(JSON.parse(part.stdout).ChecksumSHA1).toBe(checksumOf("SHA1", await readFile(small)));
    const list = await aws(binary, [
      "s3api",
      "list-parts",
      "--bucket",
      bucket,
      "--key",
      key,
      "--upload-id",
      uploadId,
    ]);
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout) as {
      Parts: { PartNumber: number; ETag: string; ChecksumSHA1?: string }[];
      ChecksumAlgorithm?: string;
    };
    expect(listed.ChecksumAlgorithm).toBe("SHA1");
    const parts = listed.Parts.map((p) => ({
      PartNumber: p.PartNumber,
      ETag: p.ETag,
      ChecksumSHA1: p.ChecksumSHA1,
    }));
    expect(parts[0]!.ChecksumSHA1).toBe(JSON.parse(part.stdout).ChecksumSHA1);
    const partsFile = join(scratch.dir, `${tag}-parts.json`);
    await writeFile(partsFile, JSON.stringify({ Parts: parts }));
    const complete = await aws(binary, [
      "s3api",
      "complete-multipart-upload",
      "--bucket",
      bucket,
      "--key",
      key,
      "--upload-id",
      uploadId,
      "--multipart-upload",
      `file://${partsFile}`,
    ]);
    expect(complete.code, complete.stderr).toBe(0);
    expect(refusalsSince(mark)).toEqual([]);
    const head = await headChecksum(key);
    expect(head.ChecksumSHA1).toMatch(/-1$/);
    expect(head.ChecksumType).toBe("COMPOSITE");
  });

  it("a deliberately wrong checksum is refused with BadDigest and nothing is stored", async () => {
    const wrong = checksumOf("CRC32", Buffer.from("not the body"));
    const run = await aws(binary, [
      "s3api",
      "put-object",
      "--bucket",
      bucket,
      "--key",
      `${tag}/wrong`,
      "--body",
      small,
      "--checksum-crc32",
      wrong,
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/BadDigest/);
    await expect(
      direct.send(new HeadObjectCommand({ Bucket: bucket, Key: `${tag}/wrong` })),
    ).rejects.toThrow();
  });
});

describe("@aws-sdk/lib-storage through the strict layer", () => {
  // The SDK's default checksum behaviour (WHEN_SUPPORTED), as an application using lib-storage has it.
  const sdkClient = () =>
    new S3Client({
      endpoint: proxy.url,
      region: env.region,
      credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
      forcePathStyle: true,
    });

  it.each(["CRC32", "CRC32C", "SHA1", "SHA256"] as ChecksumAlgorithm[])(
    "Upload of a Buffer with %s: multipart, accepted, the object carries the checksum",
    async (algorithm) => {
      const mark = proxy.refusals.length;
      const client = sdkClient();
      const data = await readFile(multi);
      const key = `lib-storage/${algorithm}`;
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: data, ChecksumAlgorithm: algorithm },
        partSize: 5 * MiB,
        queueSize: 2,
      });
      const result = await upload.done().catch((e: unknown) => e);
      client.destroy();
      if (result instanceof Error) {
        throw new Error(
          `lib-storage ${algorithm}: ${result.message}; refusals: ${JSON.stringify(refusalsSince(mark))}`,
        );
      }
      expect(refusalsSince(mark)).toEqual([]);
      expect((await downloadedSha256(direct, bucket, key)).sha256).toBe(multiSha);
      const head = await headChecksum(key);
      expect(head[`Checksum${algorithm}`]).toBeDefined();
    },
  );

  it("CRC64NVME: lib-storage leaves the part checksums out of Complete; refused by the default rule, accepted by composite-only", async () => {
    const data = await readFile(multi);
    const run = async (url: string, key: string) => {
      const client = new S3Client({
        endpoint: url,
        region: env.region,
        credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
        forcePathStyle: true,
      });
      try {
        return await new Upload({
          client,
          params: { Bucket: bucket, Key: key, Body: data, ChecksumAlgorithm: "CRC64NVME" },
          partSize: 5 * MiB,
          queueSize: 2,
        })
          .done()
          .catch((e: unknown) => e);
      } finally {
        client.destroy();
      }
    };
    const refused = await run(proxy.url, "lib-storage/CRC64NVME-strict");
    expect(refused).toMatchObject({
      name: "InvalidRequest",
      message: /It was missing for part 1 in the request/,
    });
    const relaxed = await startStrictS3Proxy({ partChecksums: "composite-only" });
    try {
      const result = await run(relaxed.url, "lib-storage/CRC64NVME");
      if (result instanceof Error) throw result;
      expect(relaxed.refusals).toEqual([]);
      expect((await downloadedSha256(direct, bucket, "lib-storage/CRC64NVME")).sha256).toBe(multiSha);
      const head = await relaxed.state.object(bucket, "lib-storage/CRC64NVME");
      expect(head).toEqual({
        algorithm: "CRC64NVME",
        type: "FULL_OBJECT",
        value: checksumOf("CRC64NVME", data),
      });
    } finally {
      await relaxed.close();
    }
  });

  it("PutObject of a stream: the SDK sends it aws-chunked with a trailing checksum, checked from the trailer", async () => {
    const mark = proxy.refusals.length;
    const client = sdkClient();
    const key = "sdk/stream-trailer";
    const data = await readFile(small);
    const result = await client
      .send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: Readable.from([data]),
          ContentLength: data.length,
          ChecksumAlgorithm: "CRC32",
        }),
      )
      .catch((e: unknown) => e);
    client.destroy();
    const sent = proxy.log.filter((r) => r.path.startsWith(`/${bucket}/${key}`));
    expect(sent[0]?.checksumHeaders).toMatchObject({
      "content-encoding": expect.stringContaining("aws-chunked"),
      "x-amz-trailer": "x-amz-checksum-crc32",
    });
    expect(refusalsSince(mark)).toEqual([]);
    // The layer decoded the body and checked the checksum from the trailer against the bytes.
    expect(sent[0]?.verified).toEqual({ algorithm: "CRC32", value: checksumOf("CRC32", data) });
    // What Ceph 16 itself makes of an aws-chunked body with an unsigned trailer is its own matter.
    console.log(
      `PutObject aws-chunked through the layer to Ceph: ${result instanceof Error ? result.name : "stored"}`,
    );
  });
});

describe("what AWS refuses, the strict layer refuses", () => {
  const body = Buffer.alloc(5 * MiB, 7);

  it("PutObject and UploadPart with a wrong checksum: BadDigest", async () => {
    await expect(
      strict.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "bad-put",
          Body: body,
          ChecksumSHA1: checksumOf("SHA1", body.subarray(1)),
        }),
      ),
    ).rejects.toMatchObject({ name: "BadDigest" });
    const { UploadId } = await strict.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "bad-part", ChecksumAlgorithm: "CRC64NVME" }),
    );
    await expect(
      strict.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: "bad-part",
          UploadId,
          PartNumber: 1,
          Body: body,
          ChecksumCRC64NVME: checksumOf("CRC64NVME", body.subarray(1)),
        }),
      ),
    ).rejects.toMatchObject({ name: "BadDigest" });
    // A part of another algorithm than its upload's.
    await expect(
      strict.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: "bad-part",
          UploadId,
          PartNumber: 1,
          Body: body,
          ChecksumCRC32: checksumOf("CRC32", body),
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidRequest" });
  });

  it.each([
    ["CRC64NVME", "COMPOSITE"],
    ["SHA1", "FULL_OBJECT"],
    ["SHA256", "FULL_OBJECT"],
  ] as const)("CreateMultipartUpload with %s and %s: InvalidRequest", async (algorithm, type) => {
    await expect(
      strict.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: "bad-pair",
          ChecksumAlgorithm: algorithm,
          ChecksumType: type,
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidRequest" });
  });

  it("CompleteMultipartUpload: without the part checksums, with a wrong one, with a wrong whole-object value", async () => {
    const key = "complete-checks";
    const { UploadId } = await strict.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ChecksumAlgorithm: "CRC64NVME",
        ChecksumType: "FULL_OBJECT",
      }),
    );
    const part = await strict.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: body,
        ChecksumCRC64NVME: checksumOf("CRC64NVME", body),
      }),
    );
    // The strict layer returns the part checksum, as AWS does (Ceph returns none).
    expect(part.ChecksumCRC64NVME).toBe(checksumOf("CRC64NVME", body));
    const listed = await strict.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
    expect(listed.Parts?.[0]?.ChecksumCRC64NVME).toBe(part.ChecksumCRC64NVME);
    expect(listed.ChecksumAlgorithm).toBe("CRC64NVME");
    expect(listed.ChecksumType).toBe("FULL_OBJECT");

    const complete = (parts: object[], extra: object = {}) =>
      strict.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: parts },
          ...extra,
        }),
      );
    await expect(complete([{ PartNumber: 1, ETag: part.ETag }])).rejects.toMatchObject({
      name: "InvalidRequest",
      message:
        "The upload was created using a crc64nvme checksum. The complete request must include the checksum for " +
        "each part. It was missing for part 1 in the request.",
    });
    await expect(
      complete([
        { PartNumber: 1, ETag: part.ETag, ChecksumCRC64NVME: checksumOf("CRC64NVME", body.subarray(1)) },
      ]),
    ).rejects.toMatchObject({ name: "InvalidPart" });
    const good = [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC64NVME: part.ChecksumCRC64NVME }];
    await expect(
      complete(good, {
        ChecksumCRC64NVME: checksumOf("CRC64NVME", body.subarray(1)),
        ChecksumType: "FULL_OBJECT",
      }),
    ).rejects.toMatchObject({ name: "BadDigest" });
    await expect(complete(good, { ChecksumType: "COMPOSITE" })).rejects.toMatchObject({ name: "BadDigest" });
    const done = await complete(good, {
      ChecksumCRC64NVME: checksumOf("CRC64NVME", body),
      ChecksumType: "FULL_OBJECT",
    });
    expect(done.ChecksumCRC64NVME).toBe(checksumOf("CRC64NVME", body));
    expect(done.ChecksumType).toBe("FULL_OBJECT");
    const head = await headChecksum(key);
    expect(head.ChecksumCRC64NVME).toBe(checksumOf("CRC64NVME", body));
    expect(head.ChecksumType).toBe("FULL_OBJECT");
  });
});
