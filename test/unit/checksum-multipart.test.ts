import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  compositeChecksum,
  createReferenceHasher,
  md5Hex,
  multipartEtag,
  type ChecksumAlgorithm,
} from "../../src/checksum/index.js";

const PARTS = ["hello", " ", "world"].map((text) => Buffer.from(text));

function digestOf(alg: ChecksumAlgorithm, data: Uint8Array): Buffer {
  const hasher = createReferenceHasher(alg);
  hasher.update(data);
  return hasher.digest();
}

describe("compositeChecksum", () => {
  it("uses the part digests computed independently (Python zlib/hashlib)", () => {
    expect(PARTS.map((part) => digestOf("CRC32", part).toString("hex"))).toEqual([
      "3610a686",
      "e96ccf45",
      "3a771143",
    ]);
    expect(PARTS.map((part) => digestOf("CRC32C", part).toString("hex"))).toEqual([
      "9a71bb4c",
      "72c0dd8f",
      "31aa814e",
    ]);
  });

  it.each([
    ["CRC32", "TT6kug==-3"],
    ["CRC32C", "zOstgA==-3"],
    ["SHA1", "WWrvYgJVJTB/RFFikGh8s8kNSbA=-3"],
    ["SHA256", "+TbBzZ5/iK2vu89rseq8hIn9chBnVWQamuoxUJxEw8w=-3"],
  ] as const)("%s matches the hand-computed S3 value", (alg, expected) => {
    expect(
      compositeChecksum(
        alg,
        PARTS.map((part) => digestOf(alg, part)),
      ),
    ).toBe(expected);
  });

  it("is the checksum of the concatenated digests, with the part count", () => {
    const digests = PARTS.map((part) => digestOf("SHA256", part));
    const expected = createHash("sha256").update(Buffer.concat(digests)).digest("base64");
    expect(compositeChecksum("SHA256", digests)).toBe(`${expected}-3`);
    expect(compositeChecksum("SHA256", digests.slice(0, 1))).toMatch(/-1$/);
  });

  it("refuses CRC64NVME, no parts, and digests of the wrong width", () => {
    expect(() => compositeChecksum("CRC64NVME", [Buffer.alloc(8)])).toThrow(/FULL_OBJECT only/);
    expect(() => compositeChecksum("CRC32", [])).toThrow(/at least one part/);
    expect(() => compositeChecksum("CRC32", [Buffer.alloc(4), Buffer.alloc(8)])).toThrow(/part 2/);
  });
});

describe("multipartEtag", () => {
  it("matches the hand-computed ETag (Python hashlib)", () => {
    const md5s = PARTS.map((part) => createHash("md5").update(part).digest());
    expect(md5s.map((md5) => md5.toString("hex"))).toEqual([
      "5d41402abc4b2a76b9719d911017c592",
      "7215ee9c7d9dc229d2921a40e899ec5f",
      "7d793037a0760186574b0282f2f435e7",
    ]);
    expect(multipartEtag(md5s)).toBe("59d21ac2f2194d6232a14cf08985ec6f-3");
  });

  it("depends on part boundaries, not only bytes", () => {
    const md5 = (data: Buffer) => createHash("md5").update(data).digest();
    const whole = Buffer.concat(PARTS);
    expect(multipartEtag([md5(whole)])).not.toBe(multipartEtag(PARTS.map(md5)));
    expect(multipartEtag([md5(whole)])).toBe(`${md5Hex(md5(whole))}-1`);
  });

  it("refuses no parts and non-MD5 digests", () => {
    expect(() => multipartEtag([])).toThrow(/at least one part/);
    expect(() => multipartEtag([Buffer.alloc(16), Buffer.alloc(20)])).toThrow(/part 2/);
  });
});
