import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseIni, profileExists, s3ConfigBlock } from "../../src/s3/shared-config.js";
import { awsConfigSize, transferDefaults } from "../../src/cli/transfer-defaults.js";
import {
  connectionFromFlags,
  transferOptionsFromFlags,
  type TransferFlags,
} from "../../src/cli/transfer-flags.js";
import { MiB } from "../../src/planner/limits.js";

const dir = mkdtempSync(join(tmpdir(), "s3xfer-defaults-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `
# a comment
[default]
region = eu-west-1
s3 =
  max_concurrent_requests = 20
  multipart_chunksize = 16MB
  multipart_threshold = 64MB
  max_bandwidth = 50MB/s

[profile nightly]
s3 =
    max_concurrent_requests = 4
region = us-west-2

[profile plain]
region = us-east-2
`;
const configFile = join(dir, "config");
writeFileSync(configFile, CONFIG);
const credentialsFile = join(dir, "credentials");
writeFileSync(credentialsFile, "[only-credentials]\naws_access_key_id = x\naws_secret_access_key = y\n");
const FILES = { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: credentialsFile };

const BASE_FLAGS: TransferFlags = {
  "force-multipart": false,
  "content-md5": false,
  progress: false,
  "keep-on-error": false,
  json: false,
  quiet: false,
  debug: false,
};

describe("the shared config file", () => {
  it("parses sections, plain keys and nested s3 blocks", () => {
    const sections = parseIni(CONFIG);
    expect(sections.get("default")).toEqual({
      region: "eu-west-1",
      s3: {
        max_concurrent_requests: "20",
        multipart_chunksize: "16MB",
        multipart_threshold: "64MB",
        max_bandwidth: "50MB/s",
      },
    });
    expect(sections.get("profile nightly")).toEqual({
      s3: { max_concurrent_requests: "4" },
      region: "us-west-2",
    });
  });

  it("finds the profile's s3 block, or nothing", () => {
    expect(s3ConfigBlock("nightly", FILES)).toEqual({ max_concurrent_requests: "4" });
    expect(s3ConfigBlock("plain", FILES)).toEqual({});
    expect(s3ConfigBlock("missing", FILES)).toEqual({});
    expect(s3ConfigBlock("default", { AWS_CONFIG_FILE: join(dir, "no-such-file") })).toEqual({});
  });

  it("knows which profiles exist, in either file", () => {
    expect(profileExists("nightly", FILES)).toBe(true);
    expect(profileExists("only-credentials", FILES)).toBe(true);
    expect(profileExists("nighty", FILES)).toBe(false);
  });

  it("reads sizes as aws-cli does: KB, MB, GB, TB are 1024-based", () => {
    expect(awsConfigSize("16MB", "x")).toBe(16 * MiB);
    expect(awsConfigSize("8388608", "x")).toBe(8 * MiB);
    expect(awsConfigSize("1GiB", "x")).toBe(1024 * MiB);
    expect(() => awsConfigSize("16 megs", "multipart_chunksize")).toThrow(
      /multipart_chunksize "16 megs" is not a size/,
    );
  });
});

describe("precedence: flag > S3XFER_* > ~/.aws/config s3 > built-in default", () => {
  const s3 = { max_concurrent_requests: "20", multipart_chunksize: "16MB", multipart_threshold: "64MB" };

  it("takes the config when nothing else is given", () => {
    expect(transferDefaults({}, {}, s3, "default")).toEqual({
      concurrency: 20,
      partSize: 16 * MiB,
      multipartThreshold: 64 * MiB,
    });
  });

  it("lets the environment beat the config", () => {
    const env = { S3XFER_CONCURRENCY: "12", S3XFER_PART_SIZE: "32MiB", S3XFER_MAX_ATTEMPTS: "3" };
    expect(transferDefaults({}, env, s3, "default")).toEqual({
      concurrency: 12,
      partSize: 32 * MiB,
      multipartThreshold: 64 * MiB,
      maxAttempts: 3,
    });
  });

  it("leaves a setting the flag gave alone", () => {
    const env = { S3XFER_CONCURRENCY: "12" };
    expect(transferDefaults({ concurrency: 2, partSize: 5 * MiB }, env, s3, "default")).toEqual({
      multipartThreshold: 64 * MiB,
    });
  });

  it("gives nothing (the built-in defaults apply) without environment or config", () => {
    expect(transferDefaults({}, {}, {}, "default")).toEqual({});
  });

  it("names the variable or the config entry that is wrong", () => {
    expect(() => transferDefaults({}, { S3XFER_CONCURRENCY: "lots" }, {}, "default")).toThrow(
      /S3XFER_CONCURRENCY "lots" is not a whole number/,
    );
    expect(() => transferDefaults({}, {}, { max_concurrent_requests: "x" }, "nightly")).toThrow(
      /max_concurrent_requests in the s3 settings of profile nightly/,
    );
  });

  it("flows through cp's flags: the profile's block, then the environment, then the flags", () => {
    const fromConfig = transferOptionsFromFlags({ ...BASE_FLAGS, profile: "nightly" }, FILES);
    expect(fromConfig.concurrency).toBe(4);
    expect(fromConfig.profile).toBe("nightly");
    const fromAwsProfileEnv = transferOptionsFromFlags(BASE_FLAGS, { ...FILES, AWS_PROFILE: "nightly" });
    expect(fromAwsProfileEnv.concurrency).toBe(4);
    const fromDefault = transferOptionsFromFlags(BASE_FLAGS, FILES);
    expect(fromDefault).toMatchObject({ concurrency: 20, partSize: 16 * MiB, multipartThreshold: 64 * MiB });
    // A part size from the environment or config is a preference; only --part-size is strict.
    expect(fromDefault.strictPartSize).toBeUndefined();
    const fromEnv = transferOptionsFromFlags(BASE_FLAGS, { ...FILES, S3XFER_CONCURRENCY: "7" });
    expect(fromEnv.concurrency).toBe(7);
    const fromFlag = transferOptionsFromFlags(
      { ...BASE_FLAGS, concurrency: 3, "part-size": 8 * MiB },
      {
        ...FILES,
        S3XFER_CONCURRENCY: "7",
      },
    );
    expect(fromFlag).toMatchObject({ concurrency: 3, partSize: 8 * MiB, strictPartSize: true });
  });
});

describe("a profile that does not exist", () => {
  it("is refused with its name and where it came from, exit 2", () => {
    // The files named are the ones read (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE), not always ~/.aws.
    expect(() => connectionFromFlags({ profile: "nighty" }, FILES)).toThrow(
      `the profile "nighty" (from --profile) is not in ${configFile} or ${credentialsFile}`,
    );
    expect(() => connectionFromFlags({}, { ...FILES, AWS_PROFILE: "nighty" })).toThrow(/from AWS_PROFILE/);
    expect(connectionFromFlags({ profile: "only-credentials" }, FILES)).toEqual({
      profile: "only-credentials",
    });
  });
});

describe("an explicit --profile", () => {
  it("wins over the environment's keys, which are dropped (no SDK warning about both)", () => {
    const env = { ...FILES, AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "B", AWS_SESSION_TOKEN: "C" };
    expect(connectionFromFlags({ profile: "only-credentials" }, env)).toEqual({
      profile: "only-credentials",
    });
    expect(env).toEqual(FILES);
  });

  it("AWS_PROFILE leaves them alone: both came from the environment", () => {
    const env = {
      ...FILES,
      AWS_PROFILE: "only-credentials",
      AWS_ACCESS_KEY_ID: "A",
      AWS_SECRET_ACCESS_KEY: "B",
    };
    connectionFromFlags({}, env);
    expect(env.AWS_ACCESS_KEY_ID).toBe("A");
  });
});

describe("--endpoint-url", () => {
  it("is refused, naming the flag, when it is not an http(s) URL", () => {
    expect(() => connectionFromFlags({ "endpoint-url": "notaurl" }, FILES)).toThrow(
      /--endpoint-url "notaurl" is not a URL: give it as http\(s\):\/\/host\[:port\]/,
    );
    expect(() => connectionFromFlags({ "endpoint-url": "ftp://h:1" }, FILES)).toThrow(
      /--endpoint-url "ftp:\/\/h:1" is not an http or https URL/,
    );
    expect(connectionFromFlags({ "endpoint-url": "http://127.0.0.1:7480" }, FILES)).toEqual({
      endpoint: "http://127.0.0.1:7480",
    });
  });
});

describe("connection flags", () => {
  it("map onto the library's TLS and timeout options", () => {
    expect(
      connectionFromFlags({ "verify-ssl": false, "cli-connect-timeout": 2.5, "cli-read-timeout": 30 }, FILES),
    ).toEqual({ verifySsl: false, connectTimeoutMs: 2500, idleTimeoutMs: 30_000 });
    expect(connectionFromFlags({ "ca-bundle": "/x.pem" }, FILES)).toEqual({ caBundle: "/x.pem" });
    expect(() => connectionFromFlags({ "ca-bundle": "/x.pem", "verify-ssl": false }, FILES)).toThrow(
      /cannot be used together/,
    );
  });
});
