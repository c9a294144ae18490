// What the suites that run s3xfer through the AWS-strict layer (test/integration/strict-*.test.ts) share:
// the CLI pointed at the proxy, its JSON result, and a HeadObject that asks for the object's checksum.
import { createReadStream } from "node:fs";
import { HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import type { TransferResult } from "../../src/index.js";
import { runCli, startCli, type CliRun } from "./cli.js";
import type { StrictS3Proxy } from "./strict-s3-proxy.js";

export const ALGORITHMS_AND_NONE = ["CRC64NVME", "CRC32", "CRC32C", "SHA1", "SHA256", "NONE"] as const;
export type AlgorithmOrNone = (typeof ALGORITHMS_AND_NONE)[number];

/** `s3xfer ARGS --endpoint-url PROXY --json --no-progress`. */
export function strictCli(proxy: { url: string }, args: string[]): Promise<CliRun> {
  return runCli([...args, "--endpoint-url", proxy.url, "--json", "--no-progress"]);
}

/** `s3xfer cp - DEST` with the file piped to its stdin. */
export async function strictCliFromStdin(
  proxy: { url: string },
  path: string,
  args: string[],
): Promise<CliRun> {
  const { child, done } = startCli(
    ["cp", "-", ...args, "--endpoint-url", proxy.url, "--json", "--no-progress"],
    {},
    "pipe",
  );
  createReadStream(path).pipe(child.stdin!);
  return done;
}

/** The result object a `--json` run prints last, in its `complete` event. */
export function resultOf(run: CliRun): TransferResult {
  const last = run.stdout.trim().split("\n").pop() ?? "";
  const event = JSON.parse(last) as { type?: string; result?: TransferResult };
  if (event.type !== "complete" || !event.result)
    throw new Error(`the last --json line is not a complete event: ${last}`);
  return event.result;
}

/** A run that succeeded, with the layer's refusals in the message if it did not. */
export function expectSuccess(run: CliRun, proxy: StrictS3Proxy, since = 0): TransferResult {
  if (run.code !== 0) {
    throw new Error(
      `s3xfer exited ${run.code}: ${run.stderr.trim()}\nrefused by the strict layer: ` +
        JSON.stringify(proxy.refusals.slice(since), null, 1),
    );
  }
  return resultOf(run);
}

export function headWithChecksum(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<HeadObjectCommandOutput> {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
}

/** The checksum value of an algorithm in a HeadObject answer. */
export function checksumIn(head: HeadObjectCommandOutput, algorithm: string): string | undefined {
  return (head as unknown as Record<string, string | undefined>)[`Checksum${algorithm}`];
}
