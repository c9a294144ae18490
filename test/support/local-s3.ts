// Helpers for tests that talk to the local Ceph RADOS Gateway started by scripts/local-s3.sh.
// The credentials and KMS key ids are fixed, public test values (see the script).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  S3Client,
  type ListMultipartUploadsCommandOutput,
  type ListObjectVersionsCommandOutput,
  type ObjectIdentifier,
} from "@aws-sdk/client-s3";

export const TEST_ACCESS_KEY_ID = "S3XFERTESTACCESSKEY0";
export const TEST_SECRET_ACCESS_KEY = "s3xfer-test-secret-key-not-a-real-secret-0000";
export const TEST_REGION = "us-east-1";
/** SSE-KMS key ids served by radosgw's "testing" KMS backend. */
export const TEST_KMS_KEY_IDS = ["testkey-1", "testkey-2"] as const;
export const DEFAULT_LOCAL_S3_PORT = 7480;

/** Repository root: this file is test/support/local-s3.ts. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const LOCAL_S3_SCRIPT = path.join(REPO_ROOT, "scripts", "local-s3.sh");

export interface LocalS3Env {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  kmsKeyId: string;
}

export interface LocalS3Options {
  /** Directory of the instance (default: the script's, ${TMPDIR:-/tmp}/s3xfer-local-s3). */
  dir?: string;
  /** S3 port (default: S3XFER_S3_PORT or 7480). */
  port?: number;
  /** Extra `key = value` lines for the [client] section, e.g. "rgw multipart min part size = 4096". */
  conf?: string[];
  /** Object store; tests use bluestore for the shared server (see TEST_STORE). */
  store?: "memstore" | "bluestore";
}

/**
 * The shared test server's store. A whole test run writes several GiB and RGW frees deleted data only after
 * garbage collection: memstore holds it all in RAM and, near full, hangs writes without an error. Bluestore
 * keeps data in a sparse file with bounded RAM; it boots in ~7 s instead of ~2 s, once per machine.
 */
export const TEST_STORE = "bluestore";

/**
 * Where and how to reach the local server. With an explicit port, that instance; otherwise
 * S3XFER_S3_PORT (the port the script boots on), then AWS_ENDPOINT_URL, then the default port.
 */
export function localS3Env(opts: { port?: number } = {}): LocalS3Env {
  let endpoint: string;
  const envPort = process.env.S3XFER_S3_PORT;
  if (opts.port !== undefined) {
    endpoint = `http://127.0.0.1:${opts.port}`;
  } else if (envPort) {
    endpoint = `http://127.0.0.1:${envPort}`;
  } else if (process.env.AWS_ENDPOINT_URL) {
    endpoint = process.env.AWS_ENDPOINT_URL;
  } else {
    endpoint = `http://127.0.0.1:${DEFAULT_LOCAL_S3_PORT}`;
  }
  return {
    endpoint,
    region: TEST_REGION,
    accessKeyId: TEST_ACCESS_KEY_ID,
    secretAccessKey: TEST_SECRET_ACCESS_KEY,
    kmsKeyId: TEST_KMS_KEY_IDS[0],
  };
}

function optionArgs(opts: LocalS3Options): string[] {
  const args: string[] = [];
  if (opts.dir !== undefined) args.push("--dir", opts.dir);
  if (opts.port !== undefined) args.push("--port", String(opts.port));
  for (const line of opts.conf ?? []) args.push("--conf", line);
  if (opts.store !== undefined) args.push("--store", opts.store);
  return args;
}

/**
 * Runs `bash scripts/local-s3.sh COMMAND ...` and resolves with its output; rejects with the
 * exit code and everything it printed (which includes the daemon log tail on a failed boot).
 */
export function runLocalS3Script(
  command: string,
  args: string[] = [],
  opts: LocalS3Options = {},
): Promise<string> {
  const argv = [LOCAL_S3_SCRIPT, command, ...args, ...optionArgs(opts)];
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      argv,
      // A fresh machine installs the Ceph packages first (a few minutes).
      { cwd: REPO_ROOT, timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error) {
          const code = typeof error.code === "number" ? `exit ${error.code}` : String(error.code ?? error);
          reject(new Error(`local-s3.sh ${command} failed (${code}):\n${output}`));
        } else {
          resolve(output);
        }
      },
    );
  });
}

/** Starts the local S3 server unless it already runs (the script's `start` is idempotent). */
export async function ensureLocalS3(opts: LocalS3Options = {}): Promise<void> {
  await runLocalS3Script("start", [], opts);
}

/** Stops an instance and removes its directory (only needed for extra instances in tests). */
export async function stopLocalS3(opts: Pick<LocalS3Options, "dir" | "port"> = {}): Promise<void> {
  await runLocalS3Script("stop", [], opts);
}

/**
 * Changes rgw_multipart_min_part_size on a running instance through radosgw's admin socket; it
 * applies to the next CompleteMultipartUpload, no restart needed.
 */
export async function setLocalS3MinPartSize(
  bytes: number,
  opts: Pick<LocalS3Options, "dir" | "port"> = {},
): Promise<void> {
  await runLocalS3Script("set-min-part-size", [String(bytes)], opts);
}

/**
 * An S3Client for the local server. The WHEN_REQUIRED checksum modes matter: with the SDK's
 * defaults, stream bodies go out aws-chunked with a CRC32 trailer and radosgw answers 411.
 */
export function testClient(opts: { endpoint?: string; port?: number } = {}): S3Client {
  const env = localS3Env(opts.port !== undefined ? { port: opts.port } : {});
  return new S3Client({
    endpoint: opts.endpoint ?? env.endpoint,
    region: env.region,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

let sharedClient: S3Client | undefined;
function defaultClient(): S3Client {
  sharedClient ??= testClient();
  return sharedClient;
}

/** Creates a bucket with a unique, valid (lowercase, <= 63 chars) name starting with `prefix`. */
export async function createTestBucket(prefix: string, client: S3Client = defaultClient()): Promise<string> {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40)
      .replace(/-+$/, "") || "test";
  const name = `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

function errorName(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "name" in err ? String(err.name) : undefined;
}

/**
 * Aborts in-progress multipart uploads, deletes every object version and delete marker, then the
 * bucket. A bucket that does not exist is not an error.
 */
export async function emptyAndDeleteBucket(name: string, client: S3Client = defaultClient()): Promise<void> {
  try {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page: ListMultipartUploadsCommandOutput = await client.send(
        new ListMultipartUploadsCommand({
          Bucket: name,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: name, Key: upload.Key, UploadId: upload.UploadId }),
        );
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }

    let versionMarker: string | undefined;
    keyMarker = undefined;
    for (;;) {
      const page: ListObjectVersionsCommandOutput = await client.send(
        new ListObjectVersionsCommand({ Bucket: name, KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
      );
      const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
        .filter((v) => v.Key !== undefined)
        .map((v) => ({ Key: v.Key as string, VersionId: v.VersionId }));
      // A page holds at most 1000 entries, DeleteObjects' limit.
      if (objects.length > 0) {
        const result = await client.send(
          new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: objects, Quiet: true } }),
        );
        if (result.Errors && result.Errors.length > 0) {
          const first = result.Errors[0];
          throw new Error(
            `emptyAndDeleteBucket(${name}): ${result.Errors.length} deletes failed, first: ` +
              `${first?.Key} ${first?.VersionId ?? ""} ${first?.Code ?? ""}`,
          );
        }
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }

    await client.send(new DeleteBucketCommand({ Bucket: name }));
  } catch (err) {
    if (errorName(err) === "NoSuchBucket") return;
    throw err;
  }
}

/** Library connection options for the local server, as a caller passes them. */
export function testConnection(opts: { port?: number } = {}) {
  const env = localS3Env(opts);
  return {
    endpoint: env.endpoint,
    region: env.region,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
  };
}
