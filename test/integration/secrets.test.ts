// Secrets never leave s3xfer: the secret access key, session token, SSE-C keys (in every form they can be
// written in) and the request signatures appear in no output — not stdout, stderr, --json events, results,
// error messages, --debug cause chains, nor the journal — of transfers that succeed, retry, and fail.
import { spawn } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { copy, upload, type TransferEvent } from "../../src/index.js";
import { MiB } from "../../src/planner/limits.js";
import { startFaultProxy, type FaultProxy, type FaultRule } from "../support/fault-proxy.js";
import {
  createTestBucket,
  emptyAndDeleteBucket,
  localS3Env,
  testClient,
  TEST_SECRET_ACCESS_KEY,
} from "../support/local-s3.js";
import { downloadedSha256, randomFile, scratchDir } from "../support/objects.js";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const CLI = join(REPO, "dist", "cli", "main.js");
const client = testClient();
const env = localS3Env();

// Recognisable fakes: if any of these shows up anywhere, it leaked.
const SSEC_KEY = Buffer.from("SSECKEY-s3xfer-secret-0123456789");
const SSEC_KEY_2 = Buffer.from("SSECKEY-s3xfer-copydst-012345678");
const SSEC_KEY_SHORT = Buffer.from("SSECKEY-s3xfer-short-0123456789");
const FAKE_SECRET = "FAKESECRET+s3xfer/NotARealKey/0123456789ab";
const FAKE_TOKEN = "FAKESESSIONTOKEN-s3xfer-0123456789abcdef";

function keyForms(key: Buffer): string[] {
  return [
    key.toString("base64"),
    key.toString("hex"),
    key.toString("hex").toUpperCase(),
    key.toString("latin1"),
  ];
}

const SECRETS = [
  TEST_SECRET_ACCESS_KEY,
  FAKE_SECRET,
  FAKE_TOKEN,
  ...keyForms(SSEC_KEY),
  ...keyForms(SSEC_KEY_2),
  ...keyForms(SSEC_KEY_SHORT),
];

let bucket: string;
let dir: string;
let cleanupScratch: () => Promise<void>;
let stateDir: string;
let proxy: FaultProxy;
let small: string;
let twenty: string;
let keyFile: string;
/** Every piece of output produced in this file, checked at the end (and as each test goes). */
const outputs: { label: string; text: string }[] = [];

function expectNoSecrets(label: string, text: string): void {
  outputs.push({ label, text });
  for (const secret of SECRETS) expect(text, `${label} contains a secret`).not.toContain(secret);
  for (const signature of proxy.stats.signatures) {
    expect(text, `${label} contains a request signature`).not.toContain(signature);
  }
  expect(text, `${label} contains an Authorization header`).not.toMatch(/AWS4-HMAC-SHA256\s+Credential=/);
  expect(text, `${label} contains a signature`).not.toMatch(/Signature=[0-9a-f]{16}/i);
  expect(text, `${label} contains an SSE-C key header value`).not.toMatch(
    /server-side-encryption-customer-key(?!-md5)["']?\s*[:=]\s*["']?[A-Za-z0-9+/]{20}/i,
  );
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args, "--endpoint-url", proxy.url], {
    env: { ...process.env, XDG_STATE_HOME: stateDir, ...extraEnv } as Record<string, string>,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

async function cli(
  label: string,
  args: string[],
  extraEnv: Record<string, string> = {},
  rules: FaultRule[] = [],
) {
  proxy.setRules(rules);
  try {
    const run = await runCli(args, extraEnv);
    expectNoSecrets(`${label}: stdout`, run.stdout);
    expectNoSecrets(`${label}: stderr`, run.stderr);
    return run;
  } finally {
    proxy.setRules([]);
  }
}

function jsonLines(stdout: string): { type?: string; [k: string]: unknown }[] {
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type?: string });
}

const ssec = (key: Buffer) => ({ SSECustomerAlgorithm: "AES256", SSECustomerKey: key as unknown as string });

beforeAll(async () => {
  bucket = await createTestBucket("secrets");
  const scratch = await scratchDir();
  dir = scratch.dir;
  cleanupScratch = scratch.cleanup;
  stateDir = join(dir, "state");
  small = join(dir, "small.bin");
  twenty = join(dir, "twenty.bin");
  keyFile = join(dir, "source.key");
  await randomFile(small, 1000);
  await randomFile(twenty, 20 * MiB);
  await writeFile(keyFile, SSEC_KEY);
  proxy = await startFaultProxy({ seed: 6 });
});

afterAll(async () => {
  await proxy?.close();
  await emptyAndDeleteBucket(bucket);
  await cleanupScratch();
});

describe("CLI runs that succeed (with --json and --debug)", () => {
  it("an SSE-C upload in one request", async () => {
    const run = await cli("ssec small", [
      "cp",
      small,
      `s3://${bucket}/ssec-small`,
      "--sse-c-key",
      SSEC_KEY.toString("base64"),
      "--json",
      "--debug",
    ]);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({
      type: "complete",
      result: { operation: "upload", key: "ssec-small" },
    });
    // It really was SSE-C: the object reads back only with the key.
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: "ssec-small" }))).rejects.toThrow();
    const back = await downloadedSha256(client, bucket, "ssec-small", ssec(SSEC_KEY));
    expect(back.size).toBe(1000);
  });

  it("an SSE-C multipart upload that retries (retry events carry error messages)", async () => {
    const run = await cli(
      "ssec multipart with retries",
      [
        "cp",
        twenty,
        `s3://${bucket}/ssec-multi`,
        "--sse-c-key",
        SSEC_KEY.toString("base64"),
        "--part-size",
        "5MiB",
        "--json",
        "--debug",
      ],
      {},
      [
        { fault: "slowdown", operations: ["UploadPart"], partNumbers: [1], limit: 1 },
        { fault: "reset-response", operations: ["UploadPart"], partNumbers: [2], limit: 1 },
        { fault: "internal-error", operations: ["UploadPart"], partNumbers: [3], limit: 1 },
      ],
    );
    expect(run.code).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events.filter((e) => e.type === "retry")).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({
      type: "complete",
      result: { operation: "upload", parts: 4, retries: 3 },
    });
  });

  // Re-keying (source and destination keys differ) is refused by this Ceph's UploadPartCopy (400, "MD5 hash of
  // the key did not match"), so the destination keeps the source's key, given in its other form.
  it("an SSE-C to SSE-C multipart copy, the source key from a file", async () => {
    const run = await cli("ssec copy", [
      "cp",
      `s3://${bucket}/ssec-multi`,
      `s3://${bucket}/ssec-copy`,
      "--sse-c-copy-source-key",
      `file:${keyFile}`,
      "--sse-c-key",
      SSEC_KEY.toString("base64"),
      "--json",
      "--debug",
    ]);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({
      type: "complete",
      result: { operation: "copy", request: "multipart" },
    });
    const back = await downloadedSha256(client, bucket, "ssec-copy", ssec(SSEC_KEY));
    expect(back.size).toBe(20 * MiB);
  });
});

describe("CLI runs that fail (with --json and --debug, so cause chains are printed)", () => {
  it("fake credentials in the environment: the secret and the token are not echoed", async () => {
    const run = await cli(
      "fake credentials",
      [
        "cp",
        twenty,
        `s3://${bucket}/fake-creds`,
        "--sse-c-key",
        SSEC_KEY.toString("base64"),
        "--json",
        "--debug",
      ],
      { AWS_SECRET_ACCESS_KEY: FAKE_SECRET, AWS_SESSION_TOKEN: FAKE_TOKEN },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^s3xfer: error: .*refused/);
    expect(run.stderr).toMatch(/^caused by: /m);
  });

  it("CreateMultipartUpload failing after the SDK's retries: the cause is an SDK error with a response", async () => {
    const run = await cli(
      "create fails",
      ["cp", twenty, `s3://${bucket}/create-fails`, "--sse-c-key", SSEC_KEY.toString("base64"), "--debug"],
      {},
      [{ fault: "internal-error", operations: ["CreateMultipartUpload"] }],
    );
    expect(run.code).toBe(1);
    // The chain is there (so the check above had something to look at), with the response but no request.
    expect(run.stderr).toMatch(/^caused by: InternalError: /m);
    expect(run.stderr).toMatch(/response: HTTP 500/);
  });

  it("a copy with the wrong SSE-C source key", async () => {
    const run = await cli("wrong source key", [
      "cp",
      `s3://${bucket}/ssec-multi`,
      `s3://${bucket}/wrong-key-copy`,
      "--sse-c-copy-source-key",
      SSEC_KEY_2.toString("base64"),
      "--json",
      "--debug",
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/^s3xfer: error: /);
  });

  it("a part that always fails, with the journal kept for resume", async () => {
    const run = await cli(
      "part fails",
      [
        "cp",
        twenty,
        `s3://${bucket}/part-fails`,
        "--sse-c-key",
        SSEC_KEY.toString("base64"),
        "--part-size",
        "5MiB",
        "--max-attempts",
        "3",
        "--json",
        "--debug",
      ],
      {},
      [{ fault: "internal-error", operations: ["UploadPart"], partNumbers: [2] }],
    );
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout).filter((e) => e.type === "retry").length).toBeGreaterThan(0);
  });

  it("an SSE-C key of the wrong length is refused without being echoed", async () => {
    const run = await cli("short key", [
      "cp",
      small,
      `s3://${bucket}/k`,
      "--sse-c-key",
      SSEC_KEY_SHORT.toString("base64"),
      "--debug",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is 31 bytes/);
  });
});

describe("the library's errors, events and results", () => {
  /** Everything a caller might log: the error at any depth, hidden fields included, and all events. */
  function everything(error: unknown, events: TransferEvent[]): string {
    return [
      inspect(error, { depth: Infinity, showHidden: true }),
      JSON.stringify(error),
      String(error),
      JSON.stringify(events),
    ].join("\n");
  }

  it("a failed SSE-C upload whose cause is an SDK error", async () => {
    proxy.setRules([{ fault: "internal-error", operations: ["CreateMultipartUpload"] }]);
    const events: TransferEvent[] = [];
    const error = await upload({
      endpoint: proxy.url,
      region: env.region,
      credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
      source: twenty,
      bucket,
      key: "lib-fails",
      sseCustomerKey: SSEC_KEY,
      onEvent: (e) => events.push(e),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    proxy.setRules([]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).cause).toBeDefined();
    expectNoSecrets("library upload error", everything(error, events));
  });

  it("a failed SSE-C copy (wrong source key) and a good one", async () => {
    const connection = {
      endpoint: proxy.url,
      region: env.region,
      credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    };
    const events: TransferEvent[] = [];
    const error = await copy({
      ...connection,
      source: { bucket, key: "ssec-multi" },
      bucket,
      key: "lib-copy-fails",
      sourceSseCustomerKey: SSEC_KEY_2,
      onEvent: (e) => events.push(e),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expectNoSecrets("library copy error", everything(error, events));

    const okEvents: TransferEvent[] = [];
    const result = await copy({
      ...connection,
      source: { bucket, key: "ssec-multi" },
      bucket,
      key: "lib-copy-ok",
      sourceSseCustomerKey: SSEC_KEY,
      sseCustomerKey: SSEC_KEY.toString("base64"),
      onEvent: (e) => okEvents.push(e),
    });
    expectNoSecrets("library copy result", inspect(result, { depth: Infinity }) + JSON.stringify(okEvents));
  });
});

describe("files", () => {
  it("journals hold no secret, in a 0700 directory as 0600 files", async () => {
    const files: string[] = [];
    const walk = async (path: string): Promise<void> => {
      const info = await stat(path);
      if (info.isDirectory()) {
        if (path !== stateDir) expect((info.mode & 0o777).toString(8), `${path} mode`).toBe("700");
        for (const name of await readdir(path)) await walk(join(path, name));
      } else {
        expect((info.mode & 0o777).toString(8), `${path} mode`).toBe("600");
        files.push(path);
      }
    };
    await walk(stateDir);
    // The multipart runs above wrote journals (the failed part's was kept for resume).
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expectNoSecrets(`journal ${file}`, await readFile(file, "utf8"));
  });

  it("the checks looked at something: signatures were seen and outputs collected", () => {
    expect(proxy.stats.signatures.size).toBeGreaterThan(20);
    expect(outputs.length).toBeGreaterThan(15);
    // And they can fail: a signature the proxy saw, or a key, is found when present.
    const signature = [...proxy.stats.signatures][0]!;
    expect(() => expectNoSecrets("control", `Signature=${signature}`)).toThrow();
    expect(() => expectNoSecrets("control", SSEC_KEY.toString("hex"))).toThrow();
    outputs.splice(-2);
  });
});
