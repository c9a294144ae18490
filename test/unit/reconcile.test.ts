import { describe, expect, it } from "vitest";
import type { TransferPlan } from "../../src/planner/index.js";
import { reconcilePart, reconcileParts } from "../../src/transfer/reconcile.js";

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

describe("reconcilePart: checksumAcknowledged", () => {
  const journalPart = (fields: Record<string, unknown> = {}) => ({
    type: "part" as const,
    partNumber: 3,
    etag: `"${md5}"`,
    size: 40,
    checksum: "c",
    ...fields,
  });

  it("uploads: acknowledged when the server lists the part's checksum", () => {
    const v = reconcilePart({
      range,
      journal: journalPart(),
      server: { partNumber: 3, etag: `"${md5}"`, size: 40, checksum: "c" },
      local: { md5, checksum: "c" },
      etagIsMd5: true,
      operation: "upload",
    });
    expect(v).toMatchObject({ done: true, checksumAcknowledged: true, checksum: "c" });
  });

  it("uploads: acknowledged when the journal says the server echoed it before the crash", () => {
    const v = reconcilePart({
      range,
      journal: journalPart({ checksumAcknowledged: true }),
      server: { partNumber: 3, etag: `"${md5}"`, size: 40 },
      local: { md5, checksum: "c" },
      etagIsMd5: true,
      operation: "upload",
    });
    expect(v).toMatchObject({ done: true, checksumAcknowledged: true });
  });

  it("uploads: not acknowledged when neither the server nor the journal shows it", () => {
    const v = reconcilePart({
      range,
      journal: journalPart(),
      server: { partNumber: 3, etag: `"${md5}"`, size: 40 },
      local: { md5, checksum: "c" },
      etagIsMd5: true,
      operation: "upload",
    });
    expect(v).toMatchObject({ done: true, checksumAcknowledged: false });
  });

  it("uploads: an adopted part is acknowledged when the server lists its checksum", () => {
    const v = reconcilePart({
      range,
      server: { partNumber: 3, etag: `"${md5}"`, size: 40, checksum: "c" },
      local: { md5, checksum: "c" },
      etagIsMd5: true,
      operation: "upload",
    });
    expect(v).toMatchObject({ done: true, how: "adopted", checksumAcknowledged: true });
  });

  it("uploads: a server checksum that differs from the file's bytes has the part redone", () => {
    const v = reconcilePart({
      range,
      journal: journalPart({ checksumAcknowledged: true }),
      server: { partNumber: 3, etag: `"${md5}"`, size: 40, checksum: "other" },
      local: { md5, checksum: "c" },
      etagIsMd5: true,
      operation: "upload",
    });
    expect(v).toMatchObject({ done: false, why: "the server's part checksum differs from the file's bytes" });
  });

  it("copies: acknowledged from the server's listing or the journal; a differing server checksum is redone", () => {
    const server = { partNumber: 3, etag: "abc", size: 40 };
    const journal = { type: "part" as const, partNumber: 3, etag: '"abc"', size: 40, checksum: "c" };
    expect(
      reconcilePart({
        range,
        journal,
        server: { ...server, checksum: "c" },
        etagIsMd5: false,
        operation: "copy",
      }),
    ).toMatchObject({ done: true, checksumAcknowledged: true, checksum: "c" });
    expect(
      reconcilePart({
        range,
        journal: { ...journal, checksumAcknowledged: true },
        server,
        etagIsMd5: false,
        operation: "copy",
      }),
    ).toMatchObject({ done: true, checksumAcknowledged: true });
    expect(reconcilePart({ range, journal, server, etagIsMd5: false, operation: "copy" })).toMatchObject({
      done: true,
      checksumAcknowledged: false,
    });
    // adopted without a journal line: the server's listed checksum is taken, and acknowledged
    expect(
      reconcilePart({ range, server: { ...server, checksum: "s" }, etagIsMd5: false, operation: "copy" }),
    ).toMatchObject({ done: true, how: "adopted", checksum: "s", checksumAcknowledged: true });
    expect(
      reconcilePart({
        range,
        journal,
        server: { ...server, checksum: "other" },
        etagIsMd5: false,
        operation: "copy",
      }),
    ).toMatchObject({ done: false, why: "the server's part checksum differs from the journal's" });
  });
});

describe("reconcileParts", () => {
  const plan: TransferPlan = {
    kind: "multipart",
    objectSize: 100,
    partSize: 40,
    partCount: 3,
    lastPartSize: 20,
    maxObjectSize: 400_000,
    layout: "uniform",
    adjustments: [],
  };
  const header = {
    type: "header" as const,
    version: 1,
    operation: "copy" as const,
    createdAt: "t",
    source: { kind: "s3" as const, bucket: "s", key: "k", etag: "e", size: 100 },
    destination: { bucket: "b", key: "k" },
    uploadId: "u",
    plan: { objectSize: 100, partSize: 40, partCount: 3, layout: "uniform" as const },
    checksumAlgorithm: "CRC32C" as const,
    checksumType: "FULL_OBJECT" as const,
    attributes: {},
    contentMd5: false,
  };

  it("carries checksumAcknowledged into the done parts, only when true, and notes what was redone", () => {
    const journal = {
      header,
      parts: new Map([
        [
          1,
          {
            type: "part" as const,
            partNumber: 1,
            etag: '"e1"',
            size: 40,
            checksum: "c1",
            checksumAcknowledged: true,
          },
        ],
        [2, { type: "part" as const, partNumber: 2, etag: '"e2"', size: 40, checksum: "c2" }],
        [3, { type: "part" as const, partNumber: 3, etag: '"e3"', size: 20, checksum: "c3" }],
      ]),
      tornTail: false,
    };
    const server = new Map([
      [1, { partNumber: 1, etag: '"e1"', size: 40 }],
      [2, { partNumber: 2, etag: '"e2"', size: 40 }],
      [3, { partNumber: 3, etag: '"e3"', size: 20, checksum: "changed" }],
    ]);
    const notes = { notes: [] as string[] };
    const done = reconcileParts(notes, plan, journal, server, { operation: "copy", etagIsMd5: false });
    expect(done).toEqual([
      {
        ok: true,
        partNumber: 1,
        etag: '"e1"',
        bytes: 40,
        durationMs: 0,
        attempts: 0,
        checksum: "c1",
        checksumAcknowledged: true,
      },
      { ok: true, partNumber: 2, etag: '"e2"', bytes: 40, durationMs: 0, attempts: 0, checksum: "c2" },
    ]);
    expect(notes.notes).toEqual(["part 3 sent again: the server's part checksum differs from the journal's"]);
  });
});
