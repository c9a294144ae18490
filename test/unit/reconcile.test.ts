import { describe, expect, it } from "vitest";
import { reconcilePart } from "../../src/transfer/reconcile.js";

const range = { partNumber: 3, start: 80, end: 120, size: 40 };
const md5 = "0123456789abcdef0123456789abcdef";

describe("reconcilePart (uploads)", () => {
  it("trusts a part the journal and the server agree on, whose bytes still match", () => {
    const v = reconcilePart({
      range,
      journal: { type: "part", partNumber: 3, etag: `"${md5}"`, size: 40, checksum: "c" },
      server: { partNumber: 3, etag: `"${md5}"`, size: 40 },
      local: { md5, checksum: "c" },
      etagIsMd5: true,
      operation: "upload",
    });
    expect(v).toMatchObject({ done: true, how: "journal" });
  });

  it("adopts a part the journal lacks only when its MD5 matches the file", () => {
    const server = { partNumber: 3, etag: `"${md5}"`, size: 40 };
    expect(
      reconcilePart({ range, server, local: { md5 }, etagIsMd5: true, operation: "upload" }),
    ).toMatchObject({
      done: true,
      how: "adopted",
    });
    expect(
      reconcilePart({ range, server, local: { md5: "f".repeat(32) }, etagIsMd5: true, operation: "upload" }),
    ).toMatchObject({ done: false });
    // an encrypted upload's ETag is not an MD5: nothing to check it against, so it is sent again
    expect(
      reconcilePart({ range, server, local: { md5 }, etagIsMd5: false, operation: "upload" }),
    ).toMatchObject({
      done: false,
      why: expect.stringMatching(/cannot be checked/),
    });
  });

  it("redoes a part whose server bytes are not the file's (re-uploaded under the same number)", () => {
    const v = reconcilePart({
      range,
      journal: { type: "part", partNumber: 3, etag: `"${md5}"`, size: 40 },
      server: { partNumber: 3, etag: '"ffffffffffffffffffffffffffffffff"', size: 40 },
      local: { md5 },
      etagIsMd5: true,
      operation: "upload",
    });
    expect(v).toMatchObject({ done: false, why: expect.stringMatching(/MD5 differs/) });
  });

  it("redoes a part of the wrong size, a part missing on the server, and a part whose checksum changed", () => {
    expect(
      reconcilePart({
        range,
        server: { partNumber: 3, etag: `"${md5}"`, size: 39 },
        local: { md5 },
        etagIsMd5: true,
        operation: "upload",
      }),
    ).toMatchObject({ done: false, why: expect.stringMatching(/39 bytes/) });
    expect(
      reconcilePart({
        range,
        journal: { type: "part", partNumber: 3, etag: "e", size: 40 },
        etagIsMd5: true,
        operation: "upload",
      }),
    ).toMatchObject({ done: false, why: expect.stringMatching(/not on the server/) });
    expect(
      reconcilePart({
        range,
        journal: { type: "part", partNumber: 3, etag: `"${md5}"`, size: 40, checksum: "old" },
        server: { partNumber: 3, etag: `"${md5}"`, size: 40 },
        local: { md5, checksum: "new" },
        etagIsMd5: false,
        operation: "upload",
      }),
    ).toMatchObject({ done: false, why: expect.stringMatching(/checksum differs/) });
  });
});

describe("reconcilePart (copies)", () => {
  it("trusts matching ETags, adopts by size, redoes a mismatch", () => {
    const server = { partNumber: 3, etag: "abc", size: 40 };
    expect(
      reconcilePart({
        range,
        journal: { type: "part", partNumber: 3, etag: '"abc"', size: 40 },
        server,
        etagIsMd5: false,
        operation: "copy",
      }),
    ).toMatchObject({ done: true, how: "journal" });
    expect(reconcilePart({ range, server, etagIsMd5: false, operation: "copy" })).toMatchObject({
      done: true,
      how: "adopted",
    });
    expect(
      reconcilePart({
        range,
        journal: { type: "part", partNumber: 3, etag: '"zzz"', size: 40 },
        server,
        etagIsMd5: false,
        operation: "copy",
      }),
    ).toMatchObject({ done: false });
  });
});
