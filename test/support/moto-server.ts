// Python's moto (5.2) in server mode: a second S3 implementation for conformance tests. Unlike the local Ceph
// it answers HEAD with `partNumber` (so a copy can reproduce a source's part layout for real),
// GetObjectAttributes, and returns the checksums it was given (it does not recompute them).
//
// A missing moto is a failure with the way to get it, never a skipped suite.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";

export const MOTO_INSTALL_HINT =
  "moto (Python, with its server extras) is needed for the moto conformance suite: " +
  "pip install 'moto[server]' (or: apt-get install python3-moto), then check with python3 -c 'import moto.server'";

export interface MotoServer {
  readonly endpoint: string;
  readonly version: string;
  /** moto accepts any credentials; these are the ones the tests use. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly region: string;
  client(): S3Client;
  stop(): Promise<void>;
}

function python(): string {
  return process.env.S3XFER_PYTHON ?? "python3";
}

/** moto's version, or an error saying how to install it. */
export function motoVersion(): string {
  const probe = spawnSync(python(), ["-c", "import moto, moto.server; print(moto.__version__)"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? String(probe.error) : (probe.stderr || "").trim().split("\n").pop();
    throw new Error(`${MOTO_INSTALL_HINT}\n(${python()} could not import moto.server: ${why})`);
  }
  return probe.stdout.trim();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto server exited with ${child.exitCode} before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto server not ready at ${endpoint} after 60 s:\n${output()}`);
}

/** Starts `python3 -m moto.server` on a port of its own (ephemeral unless given) and waits until it answers. */
export async function startMotoServer(opts: { port?: number } = {}): Promise<MotoServer> {
  const version = motoVersion();
  const port = opts.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python(), ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  let log = "";
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-8_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  try {
    await waitUntilReady(endpoint, child, () => log);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const credentials = { accessKeyId: "moto-test-key", secretAccessKey: "moto-test-secret" };
  const region = "us-east-1";
  return {
    endpoint,
    version,
    credentials,
    region,
    client: () =>
      new S3Client({
        endpoint,
        region,
        credentials,
        forcePathStyle: true,
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
