// --ca-bundle, AWS_CA_BUNDLE and --no-verify-ssl against an HTTPS endpoint whose certificate is self-signed
// (a TLS proxy in front of the local Ceph). Multipart, so the worker threads' clients are tested too.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB } from "../../src/planner/limits.js";
import { runCli } from "../support/cli.js";
import { createTestBucket, emptyAndDeleteBucket, localS3Env, testClient } from "../support/local-s3.js";
import { downloadedSha256, randomFile, scratchDir } from "../support/objects.js";
import { selfSignedCertificate, startTlsProxy, type TlsProxy } from "../support/tls-proxy.js";

const client = testClient();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let file: string;
let fileSha: string;
let certPath: string;
let proxy: TlsProxy;

beforeAll(async () => {
  bucket = await createTestBucket("tls");
  scratch = await scratchDir();
  file = join(scratch.dir, "data.bin");
  fileSha = await randomFile(file, 6 * MiB + 5);
  const certificate = await selfSignedCertificate(scratch.dir);
  certPath = certificate.certPath;
  proxy = await startTlsProxy(new URL(localS3Env().endpoint), certificate);
});

afterAll(async () => {
  await proxy?.close();
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

/** Two parts of 5 MiB and 1 MiB: the main thread creates and completes, the workers send the parts. */
function cp(key: string, ...flags: string[]): string[] {
  return [
    "cp",
    file,
    `s3://${bucket}/${key}`,
    "--endpoint-url",
    proxy.endpoint,
    "--force-multipart",
    "--part-size",
    "5MiB",
    ...flags,
  ];
}
/** The machine may set AWS_CA_BUNDLE (to the system store): each case says what it trusts. */
const NO_BUNDLE = { AWS_CA_BUNDLE: "" };

describe("HTTPS with a certificate no system trusts", () => {
  it("fails without --ca-bundle or --no-verify-ssl, exit 1, saying it is the certificate", async () => {
    const run = await runCli(cp("refused.bin", "--max-attempts", "1"), NO_BUNDLE);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/self-signed certificate/);
    expect(run.stderr).toMatch(
      /not trusted: give its CA with --ca-bundle FILE \(or AWS_CA_BUNDLE\), or .* --no-verify-ssl/,
    );
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("works with --ca-bundle naming the certificate", async () => {
    const run = await runCli(cp("ca-bundle.bin", "--ca-bundle", certPath), NO_BUNDLE);
    expect(run.code, run.stderr).toBe(0);
    expect((await downloadedSha256(client, bucket, "ca-bundle.bin")).sha256).toBe(fileSha);
  });

  it("works with AWS_CA_BUNDLE naming it", async () => {
    const run = await runCli(cp("env-bundle.bin"), { AWS_CA_BUNDLE: certPath });
    expect(run.code, run.stderr).toBe(0);
    expect((await downloadedSha256(client, bucket, "env-bundle.bin")).sha256).toBe(fileSha);
  });

  it("works with --no-verify-ssl", async () => {
    const run = await runCli(cp("no-verify.bin", "--no-verify-ssl"), NO_BUNDLE);
    expect(run.code, run.stderr).toBe(0);
    expect((await downloadedSha256(client, bucket, "no-verify.bin")).sha256).toBe(fileSha);
  });

  it("refuses a CA bundle that does not exist, exit 2, before sending anything", async () => {
    const run = await runCli(cp("missing.bin", "--ca-bundle", join(scratch.dir, "nope.pem")), NO_BUNDLE);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/the CA bundle .*nope\.pem cannot be read \(ENOENT\)/);
  });
});
