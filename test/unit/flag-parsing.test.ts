import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { parseSecondsFlag } from "../../src/cli/connection-flags.js";
import {
  parseDateFlag,
  parseMetadata,
  parseSse,
  parseTagging,
  readSseCKey,
} from "../../src/cli/object-attribute-flags.js";
import { parseConcurrencyFlag, parseMaxAttemptsFlag } from "../../src/cli/transfer-flags.js";

/** The UsageError a parser throws: exit status 2, code USAGE, and the message people read. */
function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("USAGE");
    return (error as Error).message;
  }
  throw new Error("no UsageError");
}

describe("parseMetadata", () => {
  it("reads k=v pairs; a value may hold '=' and be empty; keys are trimmed", () => {
    expect(parseMetadata("a=1,b=x=y, c =,")).toEqual({ a: "1", b: "x=y", c: "" });
    expect(parseMetadata("")).toEqual({});
    expect(parseMetadata(undefined)).toBeUndefined();
  });

  it("refuses a pair without key=value, naming it", () => {
    expect(usageError(() => parseMetadata("a=1,oops"))).toBe(
      '--metadata "a=1,oops" is not k=v,k2=v2: "oops" has no key=value',
    );
    expect(usageError(() => parseMetadata("=v"))).toBe(
      '--metadata "=v" is not k=v,k2=v2: "=v" has no key=value',
    );
  });
});

describe("parseTagging", () => {
  it("passes URL-encoded k=v&k2=v2 through unchanged", () => {
    expect(parseTagging("a=1&b=&c=x%20y")).toBe("a=1&b=&c=x%20y");
    expect(parseTagging(undefined)).toBeUndefined();
  });

  it("refuses a pair without key=value", () => {
    expect(usageError(() => parseTagging("a=1&b"))).toBe(
      '--tagging "a=1&b" is not k=v&k2=v2 (URL-encoded): "b" has no key=value',
    );
  });
});

describe("parseSse", () => {
  it("no --sse: no encryption asked", () => {
    expect(parseSse({})).toBeUndefined();
  });

  it("AES256", () => {
    expect(parseSse({ sse: "AES256" })).toEqual({ mode: "AES256" });
  });

  it("aws:kms with key, context and bucket key", () => {
    expect(
      parseSse({
        sse: "aws:kms",
        "sse-kms-key-id": "arn:key",
        "sse-kms-context": '{"team":"a"}',
        "bucket-key-enabled": false,
      }),
    ).toEqual({ mode: "aws:kms", kmsKeyId: "arn:key", kmsContext: { team: "a" }, bucketKey: false });
    expect(parseSse({ sse: "aws:kms" })).toEqual({ mode: "aws:kms" });
  });

  it("refuses KMS settings without --sse aws:kms", () => {
    const message = "--sse-kms-key-id, --sse-kms-context and --bucket-key-enabled need --sse aws:kms";
    expect(usageError(() => parseSse({ "sse-kms-key-id": "k" }))).toBe(message);
    expect(usageError(() => parseSse({ "sse-kms-context": "{}" }))).toBe(message);
    expect(usageError(() => parseSse({ "bucket-key-enabled": true }))).toBe(message);
    expect(usageError(() => parseSse({ sse: "AES256", "sse-kms-key-id": "k" }))).toBe(
      "--sse-kms-key-id needs --sse aws:kms, not AES256",
    );
  });

  it("refuses a context that is not JSON, and an unknown mode", () => {
    expect(usageError(() => parseSse({ sse: "aws:kms", "sse-kms-context": "team=a" }))).toBe(
      `--sse-kms-context is not JSON: give it as '{"key":"value"}'`,
    );
    expect(usageError(() => parseSse({ sse: "aes256" }))).toBe(
      '--sse "aes256" is not known: use AES256 or aws:kms (or --sse-c-key for SSE-C)',
    );
  });
});

describe("readSseCKey", () => {
  const dir = mkdtempSync(join(tmpdir(), "s3xfer-flags-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("takes base64 text as given, raw 32 bytes or base64 from file:PATH", () => {
    expect(readSseCKey("a2V5", "--sse-c-key")).toBe("a2V5");
    expect(readSseCKey(undefined, "--sse-c-key")).toBeUndefined();
    const raw = join(dir, "raw.key");
    writeFileSync(raw, Buffer.alloc(32, 7));
    expect(readSseCKey(`file:${raw}`, "--sse-c-key")).toEqual(new Uint8Array(32).fill(7));
    const text = join(dir, "b64.key");
    writeFileSync(text, `${Buffer.alloc(32, 7).toString("base64")}\n`);
    expect(readSseCKey(`file:${text}`, "--sse-c-key")).toBe(Buffer.alloc(32, 7).toString("base64"));
  });

  it("names the flag and the path of a file it cannot read, never its content", () => {
    const missing = join(dir, "missing.key");
    expect(usageError(() => readSseCKey(`file:${missing}`, "--sse-c-copy-source-key"))).toBe(
      `--sse-c-copy-source-key file ${missing} cannot be read: check the path (the file holds the 32-byte key, or its base64)`,
    );
  });
});

describe("parseDateFlag", () => {
  it("reads ISO 8601; absent stays absent", () => {
    expect(parseDateFlag("2030-01-31T00:00:00Z", "--expires")).toEqual(new Date(Date.UTC(2030, 0, 31)));
    expect(parseDateFlag(undefined, "--expires")).toBeUndefined();
  });

  it("refuses what is not a date, with an example when one is given", () => {
    expect(usageError(() => parseDateFlag("tomorrow", "--expires"))).toBe(
      '--expires "tomorrow" is not a date: use ISO 8601',
    );
    expect(
      usageError(() =>
        parseDateFlag("31/01/2030", "--object-lock-retain-until-date", "2030-01-31T00:00:00Z"),
      ),
    ).toBe(
      '--object-lock-retain-until-date "31/01/2030" is not a date: use ISO 8601, e.g. 2030-01-31T00:00:00Z',
    );
  });
});

describe("number flags", () => {
  it("parseSecondsFlag: positive seconds, fractions allowed; 0 and words refused", () => {
    expect(parseSecondsFlag("30", "--cli-read-timeout")).toBe(30);
    expect(parseSecondsFlag(" 0.5 ", "--cli-read-timeout")).toBe(0.5);
    expect(usageError(() => parseSecondsFlag("0", "--cli-read-timeout"))).toBe(
      '--cli-read-timeout "0" is not a positive number of seconds: e.g. --cli-read-timeout 30 (0, "wait forever", is not offered)',
    );
    expect(usageError(() => parseSecondsFlag("10s", "--cli-connect-timeout"))).toMatch(
      /^--cli-connect-timeout "10s"/,
    );
    expect(usageError(() => parseSecondsFlag(undefined, "--cli-connect-timeout"))).toMatch(
      /^--cli-connect-timeout ""/,
    );
  });

  it("parseConcurrencyFlag: a whole number, its range left to the library", () => {
    expect(parseConcurrencyFlag("16")).toBe(16);
    expect(parseConcurrencyFlag("0")).toBe(0);
    expect(usageError(() => parseConcurrencyFlag("abc"))).toBe(
      '--concurrency "abc" is not a whole number: give the parts in flight at once, e.g. --concurrency 16',
    );
  });

  it("parseMaxAttemptsFlag: a whole number within the retry policy's range", () => {
    expect(parseMaxAttemptsFlag("3")).toBe(3);
    expect(usageError(() => parseMaxAttemptsFlag("2.5"))).toBe(
      '--max-attempts "2.5" is not a whole number: give the attempts per part, e.g. --max-attempts 8',
    );
    expect(() => parseMaxAttemptsFlag("0")).toThrow(UsageError);
  });
});
