import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMainClient, resolveWorkerSettings, transportSettings } from "../../src/s3/client-settings.js";

const dir = mkdtempSync(join(tmpdir(), "s3xfer-client-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const pemFile = join(dir, "ca.pem");
writeFileSync(pemFile, PEM);
const notPem = join(dir, "not.pem");
writeFileSync(notPem, "hello");

describe("transport settings", () => {
  it("verify by default, with a 10 s connect timeout and no extra CA", () => {
    expect(transportSettings({}, {})).toEqual({ connectTimeoutMs: 10_000, rejectUnauthorized: true });
  });

  it("read the CA bundle from the option, else from AWS_CA_BUNDLE", () => {
    expect(transportSettings({ caBundle: pemFile }, {}).ca).toBe(PEM);
    expect(transportSettings({}, { AWS_CA_BUNDLE: pemFile }).ca).toBe(PEM);
    expect(transportSettings({ verifySsl: false, connectTimeoutMs: 1500 }, {})).toEqual({
      connectTimeoutMs: 1500,
      rejectUnauthorized: false,
    });
  });

  it("refuse a bundle that cannot be read or holds no certificate, saying where it came from", () => {
    expect(() => transportSettings({}, { AWS_CA_BUNDLE: join(dir, "missing.pem") })).toThrow(
      /CA bundle .*missing\.pem \(from AWS_CA_BUNDLE\) cannot be read \(ENOENT\)/,
    );
    expect(() => transportSettings({ caBundle: notPem }, {})).toThrow(/holds no PEM certificate/);
  });

  it("reach the worker threads' settings, also for a client the caller made", async () => {
    const client = createMainClient({
      region: "us-east-1",
      endpoint: "https://127.0.0.1:1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      caBundle: pemFile,
      connectTimeoutMs: 2000,
    });
    const settings = await resolveWorkerSettings(client);
    expect(settings.transport).toEqual({ connectTimeoutMs: 2000, rejectUnauthorized: true, ca: PEM });
    const theirs = createMainClient({ client, verifySsl: false });
    expect(theirs).toBe(client);
    expect((await resolveWorkerSettings(client)).transport?.rejectUnauthorized).toBe(false);
    client.destroy();
  });
});
