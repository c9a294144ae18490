import { describe, expect, it } from "vitest";
import {
  CHECKSUM_ALGORITHMS,
  checksumImplementations,
  createHasher,
  createMd5Hasher,
  createReferenceHasher,
  digestLength,
  fromS3Base64,
  isChecksumAlgorithm,
  isFullObjectCapable,
  md5Hex,
  supportsComposite,
  toS3Base64,
  type ChecksumAlgorithm,
} from "../../src/checksum/index.js";

const CHECK_INPUT = Buffer.from("123456789");

const CHECK_VALUES: Record<ChecksumAlgorithm, string> = {
  CRC32: "cbf43926",
  CRC32C: "e3069283",
  CRC64NVME: "ae8b14860a799888",
  SHA1: "f7c3bc1d808e04732adf679965ccc34ca7ae3441",
  SHA256: "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225",
};

const EMPTY_VALUES: Record<ChecksumAlgorithm, string> = {
  CRC32: "00000000",
  CRC32C: "00000000",
  CRC64NVME: "0000000000000000",
  SHA1: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
  SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
};

const FACTORIES = { createHasher, createReferenceHasher };

describe("checksum algorithms", () => {
  it("lists the five S3 algorithms with their capabilities", () => {
    expect(CHECKSUM_ALGORITHMS).toEqual(["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]);
    expect(CHECKSUM_ALGORITHMS.filter(isFullObjectCapable)).toEqual(["CRC32", "CRC32C", "CRC64NVME"]);
    expect(CHECKSUM_ALGORITHMS.filter(supportsComposite)).toEqual(["CRC32", "CRC32C", "SHA1", "SHA256"]);
    expect(CHECKSUM_ALGORITHMS.map(digestLength)).toEqual([4, 4, 8, 20, 32]);
    expect(isChecksumAlgorithm("CRC64NVME")).toBe(true);
    expect(isChecksumAlgorithm("MD5")).toBe(false);
    expect(isChecksumAlgorithm("toString")).toBe(false);
  });
});

describe.each(Object.entries(FACTORIES))("%s", (_name, create) => {
  it.each(CHECKSUM_ALGORITHMS)("%s gives the standard check value of '123456789'", (alg) => {
    const hasher = create(alg);
    hasher.update(CHECK_INPUT);
    const digest = hasher.digest();
    expect(digest.toString("hex")).toBe(CHECK_VALUES[alg]);
    expect(digest.length).toBe(digestLength(alg));
  });

  it.each(CHECKSUM_ALGORITHMS)("%s of empty input, with and without an empty update", (alg) => {
    const untouched = create(alg);
    expect(untouched.digest().toString("hex")).toBe(EMPTY_VALUES[alg]);
    const fedEmpty = create(alg);
    fedEmpty.update(new Uint8Array(0));
    expect(fedEmpty.digest().toString("hex")).toBe(EMPTY_VALUES[alg]);
  });

  it.each(CHECKSUM_ALGORITHMS)("%s hashes a Uint8Array view at a non-zero offset", (alg) => {
    const backing = Buffer.from("xx123456789yy");
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 9);
    const hasher = create(alg);
    hasher.update(view);
    expect(hasher.digest().toString("hex")).toBe(CHECK_VALUES[alg]);
  });
});

describe("encodings and MD5", () => {
  it("encodes digests the way S3 does", () => {
    expect(toS3Base64(Buffer.from("cbf43926", "hex"))).toBe("y/Q5Jg==");
    expect(toS3Base64(Buffer.from("ae8b14860a799888", "hex"))).toBe("rosUhgp5mIg=");
    const backing = Buffer.from("00cbf43926", "hex");
    expect(toS3Base64(backing.subarray(1))).toBe("y/Q5Jg==");
    expect(fromS3Base64("rosUhgp5mIg=").toString("hex")).toBe("ae8b14860a799888");
  });

  it("computes MD5 in one call and incrementally", () => {
    expect(md5Hex(CHECK_INPUT)).toBe("25f9e794323b453885f5181f1b624d0b");
    const hasher = createMd5Hasher();
    hasher.update(CHECK_INPUT.subarray(0, 4));
    hasher.update(CHECK_INPUT.subarray(4));
    expect(hasher.digest().toString("hex")).toBe("25f9e794323b453885f5181f1b624d0b");
  });
});

describe("checksumImplementations", () => {
  it("names an implementation for every algorithm", () => {
    const report = checksumImplementations();
    expect(Object.keys(report)).toEqual([...CHECKSUM_ALGORITHMS]);
    for (const value of Object.values(report)) expect(value).toMatch(/^\S.* \((native|pure JS|OpenSSL)\)$/);
    expect(report.SHA256).toBe("node:crypto (OpenSSL)");
  });
});
