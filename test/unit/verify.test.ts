import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
// Checksum values are real CRC32C sizes (4 bytes): a value of another size is not comparable.
import { describe, expect, it } from "vitest";
import { TransferError } from "../../src/errors.js";
import {
  unavailableVerification,
  unquote,
  verifyObject,
  type Expectations,
} from "../../src/transfer/verify.js";

const head = (fields: Partial<HeadObjectCommandOutput>): HeadObjectCommandOutput =>
  ({ $metadata: {}, ContentLength: 100, ...fields }) as HeadObjectCommandOutput;

const expected = (fields: Partial<Expectations> = {}): Expectations => ({
  bucket: "b",
  key: "k",
  size: 100,
  algorithm: "CRC32C",
  checksum: "AQIDBA==",
  etagMismatchIsError: false,
  ...fields,
});

/** The TransferError verifyObject throws, for its code, message and where it happened. */
function failure(run: () => unknown): TransferError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TransferError);
    return error as TransferError;
  }
  throw new Error("verifyObject did not throw");
}

describe("verifyObject: size", () => {
  it("fails with VERIFICATION_FAILED when the server's size differs, naming bucket and key", () => {
    const error = failure(() => verifyObject(head({ ContentLength: 99 }), expected()));
    expect(error.code).toBe("VERIFICATION_FAILED");
    expect(error.message).toBe("the object on the server has 99 bytes, the source 100 (s3://b/k)");
    expect(error).toMatchObject({ bucket: "b", key: "k" });
  });

  it("a missing size is a mismatch too", () => {
    expect(failure(() => verifyObject(head({ ContentLength: undefined }), expected())).code).toBe(
      "VERIFICATION_FAILED",
    );
  });
});

describe("verifyObject: checksum", () => {
  it("ok when the server's full-object checksum equals ours", () => {
    const v = verifyObject(head({ ChecksumCRC32C: "AQIDBA==" }), expected());
    expect(v).toMatchObject({ size: "ok", checksum: "ok", etag: "not checked" });
    expect(v.summary).toBe("size 100 ok, CRC32C ok");
  });

  it("ok when both are composite and equal", () => {
    const v = verifyObject(head({ ChecksumCRC32C: "BQYHCA==-3" }), expected({ checksum: "BQYHCA==-3" }));
    expect(v.checksum).toBe("ok");
  });

  it("not requested without an algorithm", () => {
    const v = verifyObject(head({ ChecksumCRC32C: "x" }), expected({ algorithm: null, checksum: null }));
    expect(v.checksum).toBe("not requested");
    expect(v.summary).toBe("size 100 ok");
  });

  it("not verifiable by server when HEAD carries no checksum of that algorithm", () => {
    const v = verifyObject(head({ ChecksumSHA256: "other" }), expected());
    expect(v.checksum).toBe("not verifiable by server");
    expect(v.summary).toBe("size 100 ok, CRC32C not verifiable by server");
  });

  it("says nothing was checked when the server also ignored the part checksums", () => {
    const v = verifyObject(head({}), expected({ serverIgnoresChecksums: true }));
    expect(v.summary).toBe(
      "size 100 ok, CRC32C not verifiable by server (it ignored the part checksums: nothing was checked by the server)",
    );
  });

  it("not comparable when we have no checksum of our own", () => {
    const v = verifyObject(head({ ChecksumCRC32C: "AQIDBA==" }), expected({ checksum: null }));
    expect(v.checksum).toBe("not comparable");
    expect(v.summary).toBe("size 100 ok, CRC32C not comparable");
  });

  it("not comparable: the server's is composite (…-N), ours full-object", () => {
    const v = verifyObject(head({ ChecksumCRC32C: "BQYHCA==-3" }), expected({ checksum: "AQIDBA==" }));
    expect(v.checksum).toBe("not comparable");
  });

  it("not comparable: the server's is full-object, ours composite", () => {
    const v = verifyObject(head({ ChecksumCRC32C: "AQIDBA==" }), expected({ checksum: "BQYHCA==-3" }));
    expect(v.checksum).toBe("not comparable");
  });

  it("not comparable: the server types its value COMPOSITE even without the -N suffix", () => {
    const v = verifyObject(
      head({ ChecksumCRC32C: "AQIDBA==", ChecksumType: "COMPOSITE" }),
      expected({ checksum: "AQIDBA==" }),
    );
    expect(v.checksum).toBe("not comparable");
  });

  it("a COMPOSITE-typed value is compared with our composite one: different text fails", () => {
    // Alike in kind, so compared; the texts differ, so it is a mismatch, not a silent pass.
    const error = failure(() =>
      verifyObject(
        head({ ChecksumCRC32C: "BQYHCA==", ChecksumType: "COMPOSITE" }),
        expected({ checksum: "BQYHCA==-3" }),
      ),
    );
    expect(error.code).toBe("VERIFICATION_FAILED");
  });

  it("fails with VERIFICATION_FAILED on a mismatch of one kind, naming both values", () => {
    const error = failure(() => verifyObject(head({ ChecksumCRC32C: "CQoLDA==" }), expected()));
    expect(error.code).toBe("VERIFICATION_FAILED");
    expect(error.message).toBe("the server's CRC32C checksum CQoLDA== differs from ours AQIDBA== (s3://b/k)");
    expect(error).toMatchObject({ bucket: "b", key: "k" });
  });
});

describe("verifyObject: ETag", () => {
  it("ok when the quoted ETag equals the expected one", () => {
    const v = verifyObject(
      head({ ETag: '"abc-2"' }),
      expected({ algorithm: null, checksum: null, etag: "abc-2" }),
    );
    expect(v.etag).toBe("ok");
    expect(v.summary).toBe("size 100 ok, ETag ok");
  });

  it("a differing ETag is a note when only the layout differs", () => {
    const v = verifyObject(
      head({ ETag: '"zzz-3"' }),
      expected({ algorithm: null, checksum: null, etag: "abc-2" }),
    );
    expect(v.etag).toBe("differs");
    expect(v.summary).toBe(
      "size 100 ok, ETag differs from the source's (part layout differs; bytes verified by size only)",
    );
  });

  it("a differing ETag is VERIFICATION_FAILED when it means the bytes are wrong", () => {
    const error = failure(() =>
      verifyObject(head({ ETag: '"zzz-3"' }), expected({ etag: "abc-2", etagMismatchIsError: true })),
    );
    expect(error.code).toBe("VERIFICATION_FAILED");
    expect(error.message).toBe("the object's ETag zzz-3 differs from the expected abc-2 (s3://b/k)");
  });

  it("not checked without an expected ETag", () => {
    expect(verifyObject(head({ ETag: '"abc"' }), expected()).etag).toBe("not checked");
  });

  it("summarizes checksum and ETag together", () => {
    const v = verifyObject(
      head({ ChecksumCRC32C: "AQIDBA==", ETag: '"abc-2"' }),
      expected({ etag: "abc-2", etagMismatchIsError: true }),
    );
    expect(v.summary).toBe("size 100 ok, CRC32C ok, ETag ok");
  });
});

describe("unquote", () => {
  it("removes the surrounding quotes only", () => {
    expect(unquote('"a"b"')).toBe('a"b');
    expect(unquote("abc")).toBe("abc");
    expect(unquote(undefined)).toBe("");
  });
});

describe("unavailableVerification", () => {
  it("claims nothing beyond the completed transfer", () => {
    expect(unavailableVerification(100, "HEAD was refused (403)")).toEqual({
      size: "not checked",
      checksum: "not comparable",
      etag: "not checked",
      summary: "not verified: HEAD was refused (403) (the transfer itself completed; 100 bytes were sent)",
      unavailable: "HEAD was refused (403)",
    });
  });
});
