// What S3 refuses in an object's attributes is refused before anything is sent: by the pure rules, and by
// the library's upload/copy entry points (a UsageError, and not one request reaches the server).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copy, upload, UsageError } from "../../src/index.js";
import { CANNED_ACLS, STORAGE_CLASSES, checkAttributeRules } from "../../src/s3/attribute-rules.js";
import { validateCommonOptions } from "../../src/transfer/job-context.js";
import { MemoryS3 } from "../support/memory-s3.js";

function refusal(attributes: Parameters<typeof checkAttributeRules>[0]): UsageError {
  try {
    checkAttributeRules(attributes);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return error as UsageError;
  }
  throw new Error("expected a refusal");
}

const tags = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v${i}`).join("&");

describe("object attribute rules", () => {
  it("accepts what S3 accepts", () => {
    expect(() =>
      checkAttributeRules({
        contentType: "text/plain; charset=utf-8",
        contentDisposition: "attachment; filename*=UTF-8''%C3%BC.txt",
        contentEncoding: "gzip",
        contentLanguage: "en-GB",
        cacheControl: "max-age=60,\tpublic",
        metadata: { owner: "ops", "build-id": "42", empty: "", "x.y_z~!": "a b=c" },
        tagging: `${tags(9)}&team=${encodeURIComponent("bäckerei")}`,
        storageClass: "GLACIER_IR",
        acl: "bucket-owner-full-control",
      }),
    ).not.toThrow();
    expect(() => checkAttributeRules({ tagging: tags(10) })).not.toThrow();
    expect(() => checkAttributeRules({ tagging: "" })).not.toThrow();
    expect(() => checkAttributeRules({ tagging: `${"k".repeat(128)}=${"ü".repeat(256)}` })).not.toThrow();
    // 2 KB exactly: keys and values summed.
    expect(() => checkAttributeRules({ metadata: { a: "x".repeat(2047) } })).not.toThrow();
  });

  it.each([
    [
      "a non-ASCII metadata value",
      { metadata: { a: "héllo" } },
      /metadata "a" contains "é" \(U\+00E9\)/,
      /ASCII only; encode the value/,
    ],
    ["a character above U+00FF", { metadata: { a: "日本" } }, /"日" \(U\+65E5\)/, /encode the value/],
    [
      "a control character in metadata",
      { metadata: { a: "x\ny" } },
      /the control character U\+000A/,
      /remove it/,
    ],
    [
      "a non-ASCII metadata key",
      { metadata: { ké: "x" } },
      /metadata key "ké" contains "é"/,
      /use only ASCII letters/,
    ],
    [
      "a space in a metadata key",
      { metadata: { "a b": "x" } },
      /metadata key "a b" contains " "/,
      /x-amz-meta-<key>/,
    ],
    ["an empty metadata key", { metadata: { "": "x" } }, /metadata key is empty/, /k=v/],
    [
      "metadata keys equal but for case",
      { metadata: { Owner: "a", owner: "b" } },
      /"Owner" and "owner" are the same to S3/,
      /keep one/,
    ],
    [
      "metadata over 2 KB",
      { metadata: { a: "x".repeat(2048) } },
      /the metadata is 2049 bytes/,
      /at most 2048 bytes/,
    ],
    [
      "metadata over 2 KB in UTF-8 bytes of the keys",
      {
        metadata: Object.fromEntries(
          Array.from({ length: 100 }, (_, i) => [`key-number-${i}`, "0123456789"]),
        ),
      },
      /the metadata is \d{4} bytes/,
      /shorten it/,
    ],
    ["11 tags", { tagging: tags(11) }, /11 tags given: S3 allows at most 10/, /drop 1/],
    [
      "a tag key of 129 characters",
      { tagging: `${"k".repeat(129)}=v` },
      /is 129 characters: S3 allows at most 128/,
      /shorten it/,
    ],
    [
      "a tag value of 257 characters",
      { tagging: `k=${"ü".repeat(257)}` },
      /the value of tag "k" is 257 characters: S3 allows at most 256/,
      /shorten it/,
    ],
    ["a tag given twice", { tagging: "k=1&k=2" }, /tag "k" is given twice/, /each key once/],
    ["an empty tag key", { tagging: "=v" }, /tag key is empty/, /k=v/],
    ["a reserved tag prefix", { tagging: "aws:x=1" }, /aws: prefix is reserved/, /rename/],
    [
      "a control character in a tag",
      { tagging: "k=a%0Ab" },
      /tag "k" contains the control character U\+000A/,
      /remove it/,
    ],
    [
      "an unknown storage class",
      { storageClass: "COLDEST" },
      /unknown storage class "COLDEST"/,
      /use one of .*STANDARD_IA/,
    ],
    [
      "a storage class in lower case",
      { storageClass: "standard_ia" },
      /did you mean STANDARD_IA\?/,
      /use one of/,
    ],
    ["an unknown canned ACL", { acl: "public" }, /unknown canned ACL "public"/, /use one of .*public-read/],
    [
      "a canned ACL with the wrong spelling",
      { acl: "PUBLIC_READ" },
      /did you mean public-read\?/,
      /use one of/,
    ],
    [
      "a newline in content-type",
      { contentType: "text/plain\r\nX-Evil: 1" },
      /content-type contains the control character U\+000D/,
      /remove it/,
    ],
    [
      "a NUL in cache-control",
      { cacheControl: "no\0cache" },
      /cache-control contains the control character U\+0000/,
      /remove it/,
    ],
    [
      "DEL in content-encoding",
      { contentEncoding: "gz\x7fip" },
      /content-encoding contains the control character U\+007F/,
      /remove it/,
    ],
    [
      "a control character in content-language",
      { contentLanguage: "en\x1b" },
      /content-language contains the control character U\+001B/,
      /remove it/,
    ],
    [
      "a raw UTF-8 file name in content-disposition",
      { contentDisposition: 'attachment; filename="ü.txt"' },
      /content-disposition contains "ü"/,
      /filename\*=UTF-8''/,
    ],
  ])("refuses %s", (_name, attributes, problem, fix) => {
    const error = refusal(attributes);
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(fix);
  });

  it("knows every storage class and canned ACL S3 documents", () => {
    for (const name of [
      "STANDARD",
      "REDUCED_REDUNDANCY",
      "STANDARD_IA",
      "ONEZONE_IA",
      "INTELLIGENT_TIERING",
      "GLACIER",
      "DEEP_ARCHIVE",
      "OUTPOSTS",
      "GLACIER_IR",
      "SNOW",
      "EXPRESS_ONEZONE",
    ])
      expect(STORAGE_CLASSES).toContain(name);
    expect([...CANNED_ACLS].sort()).toEqual(
      [
        "private",
        "public-read",
        "public-read-write",
        "authenticated-read",
        "aws-exec-read",
        "bucket-owner-read",
        "bucket-owner-full-control",
      ].sort(),
    );
  });
});

describe("the library refuses them before sending anything", () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "s3xfer-rules-"));
    file = join(dir, "data.bin");
    await writeFile(file, "hello");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("validateCommonOptions throws the UsageError", () => {
    expect(() => validateCommonOptions({ bucket: "b", key: "k", metadata: { a: "ü" } })).toThrow(UsageError);
    expect(() => validateCommonOptions({ bucket: "b", key: "k", endpoint: "ftp://host" })).toThrow(
      /the endpoint "ftp:\/\/host" is not an http or https URL/,
    );
  });

  it.each([
    ["upload", { metadata: { a: "日本" } }],
    ["upload", { tagging: tags(11) }],
    ["upload", { storageClass: "FOO" }],
    ["upload", { acl: "FOO" }],
    ["upload", { contentType: "a\nb" }],
    ["copy", { metadata: { a: "ü" }, metadataDirective: "REPLACE" }],
    ["copy", { tagging: tags(11), taggingDirective: "REPLACE" }],
  ] as const)("%s with %j", async (operation, attributes) => {
    const s3 = new MemoryS3({ awsChecksums: true });
    const common = { bucket: "b", key: "k", client: s3.client(), journal: false as const, ...attributes };
    const run =
      operation === "upload"
        ? upload({ ...common, source: file }, { runner: s3.runner() })
        : copy({ ...common, source: { bucket: "src", key: "x" } }, { runner: s3.runner() });
    await expect(run).rejects.toBeInstanceOf(UsageError);
    expect(s3.requests).toEqual([]);
  });
});
