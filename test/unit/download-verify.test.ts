import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  compositeChecksum,
  createReferenceHasher,
  multipartEtag,
  toS3Base64,
  type ChecksumAlgorithm,
} from "../../src/checksum/index.js";
import { TransferError } from "../../src/errors.js";
import type { ObjectFacts } from "../../src/download/object-facts.js";
import { verifyDownload, type RangeDigest } from "../../src/download/verify-download.js";

const DATA = randomBytes(1000);

function digest(alg: ChecksumAlgorithm, data: Uint8Array): string {
  const hasher = createReferenceHasher(alg);
  hasher.update(data);
  return toS3Base64(hasher.digest());
}
const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

/** Ranges over DATA cut at the given offsets, with the digests a worker would compute. */
function ranges(cuts: number[], alg: ChecksumAlgorithm | null, withMd5: boolean): RangeDigest[] {
  const bounds = [0, ...cuts, DATA.length];
  return bounds.slice(1).map((end, i) => {
    const bytes = DATA.subarray(bounds[i]!, end);
    return {
      start: bounds[i]!,
      size: bytes.length,
      ...(alg ? { checksum: digest(alg, bytes) } : {}),
      ...(withMd5 ? { md5: md5(bytes) } : {}),
    };
  });
}

function facts(over: Partial<ObjectFacts>): ObjectFacts {
  return {
    size: DATA.length,
    etag: '"x"',
    checksum: null,
    partCount: null,
    layout: "single",
    etagIsMd5: true,
    ...over,
  };
}

const where = { bucket: "b", key: "k" };

describe("verifyDownload: FULL_OBJECT CRCs combine from ranges cut anywhere", () => {
  it.each(["CRC32", "CRC32C", "CRC64NVME"] as const)("%s ok over 3 uneven ranges", (alg) => {
    const verified = verifyDownload({
      ...where,
      facts: facts({ checksum: { algorithm: alg, value: digest(alg, DATA), type: "FULL_OBJECT" } }),
      ranges: ranges([100, 777], alg, false),
      rangesAreParts: false,
      rangeAlgorithm: alg,
    });
    expect(verified.checksum).toBe("ok");
    expect(verified.summary).toBe(`size 1000 ok, ${alg} ok`);
    expect(verified.computedChecksum).toBe(digest(alg, DATA));
  });

  it("a damaged range fails with VERIFICATION_FAILED", () => {
    const bad = ranges([100, 777], "CRC64NVME", false);
    bad[1] = { ...bad[1]!, checksum: digest("CRC64NVME", randomBytes(677)) };
    expect(() =>
      verifyDownload({
        ...where,
        facts: facts({
          checksum: { algorithm: "CRC64NVME", value: digest("CRC64NVME", DATA), type: "FULL_OBJECT" },
        }),
        ranges: bad,
        rangesAreParts: false,
        rangeAlgorithm: "CRC64NVME",
      }),
    ).toThrow(expect.objectContaining({ code: "VERIFICATION_FAILED" }) as unknown as Error);
  });

  it("a SHA256 of the whole object is compared when one range holds it all, else said not comparable", () => {
    const object = facts({
      checksum: { algorithm: "SHA256", value: digest("SHA256", DATA), type: "FULL_OBJECT" },
    });
    const one = verifyDownload({
      ...where,
      facts: object,
      ranges: ranges([], "SHA256", false),
      rangesAreParts: true,
      rangeAlgorithm: "SHA256",
    });
    expect(one.checksum).toBe("ok");
    const split = verifyDownload({
      ...where,
      facts: object,
      ranges: ranges([500], "SHA256", false),
      rangesAreParts: false,
      rangeAlgorithm: "SHA256",
    });
    expect(split.checksum).toBe("not comparable");
    expect(split.summary).toMatch(/SHA256 of the whole object not comparable/);
  });
});

describe("verifyDownload: COMPOSITE per part", () => {
  const cuts = [400, 800];
  const parts = ranges(cuts, "SHA1", false);
  const value = compositeChecksum(
    "SHA1",
    parts.map((p) => Buffer.from(p.checksum!, "base64")),
  );

  it("ok when the ranges are the object's parts (layout from the server)", () => {
    const verified = verifyDownload({
      ...where,
      facts: facts({
        checksum: { algorithm: "SHA1", value, type: "COMPOSITE" },
        partCount: 3,
        partSizes: [400, 400, 200],
        layout: "server",
      }),
      ranges: parts,
      rangesAreParts: true,
      rangeAlgorithm: "SHA1",
    });
    expect(verified.checksum).toBe("ok");
    expect(verified.summary).toContain("SHA1 ok");
  });

  it("a mismatch under the server's layout is an error; under a guessed layout, not comparable", () => {
    const other = ranges([500, 800], "SHA1", false);
    const base = {
      ...where,
      ranges: other,
      rangesAreParts: true,
      rangeAlgorithm: "SHA1",
    };
    const object = {
      checksum: { algorithm: "SHA1" as const, value, type: "COMPOSITE" as const },
      partCount: 3,
    };
    expect(() => verifyDownload({ ...base, facts: facts({ ...object, layout: "server" }) })).toThrow(
      TransferError,
    );
    const guessed = verifyDownload({ ...base, facts: facts({ ...object, layout: "inferred" }) });
    expect(guessed.checksum).toBe("not comparable");
  });

  it("ranges that are not the parts cannot check a composite value, and say so", () => {
    const verified = verifyDownload({
      ...where,
      facts: facts({
        checksum: { algorithm: "SHA1", value, type: "COMPOSITE" },
        partCount: 3,
        layout: "unknown",
      }),
      ranges: ranges([300], "SHA1", false),
      rangesAreParts: false,
      rangeAlgorithm: "SHA1",
    });
    expect(verified.checksum).toBe("not comparable");
    expect(verified.summary).toMatch(/composite\) not comparable: the object's part layout is not known/);
  });
});

describe("verifyDownload: ETag", () => {
  it("multipart ETag = MD5 of the part MD5s with the parts as ranges", () => {
    const parts = ranges([400, 800], null, true);
    const etag = multipartEtag(parts.map((p) => Buffer.from(p.md5!, "hex")));
    const verified = verifyDownload({
      ...where,
      facts: facts({ etag: `"${etag}"`, partCount: 3, layout: "inferred" }),
      ranges: parts,
      rangesAreParts: true,
      rangeAlgorithm: null,
    });
    expect(verified.etag).toBe("ok");
    expect(verified.summary).toBe("size 1000 ok, no checksum from the server, ETag (MD5 of 3 parts) ok");
  });

  it("a single-request object's ETag is the MD5 of its one range", () => {
    const verified = verifyDownload({
      ...where,
      facts: facts({ etag: `"${md5(DATA)}"` }),
      ranges: ranges([], null, true),
      rangesAreParts: true,
      rangeAlgorithm: null,
    });
    expect(verified.etag).toBe("ok");
    expect(() =>
      verifyDownload({
        ...where,
        facts: facts({ etag: `"${md5(randomBytes(8))}"` }),
        ranges: ranges([], null, true),
        rangesAreParts: true,
        rangeAlgorithm: null,
      }),
    ).toThrow(/give ETag/);
  });

  it("a guessed layout that does not give the ETag is not comparable, never a failure", () => {
    const verified = verifyDownload({
      ...where,
      facts: facts({ etag: '"0123456789abcdef0123456789abcdef-3"', partCount: 3, layout: "inferred" }),
      ranges: ranges([400, 800], null, true),
      rangesAreParts: true,
      rangeAlgorithm: null,
    });
    expect(verified.etag).toBe("not checked");
    expect(verified.summary).toMatch(/part layout was guessed/);
  });

  it("says plainly when nothing beyond the size could be checked", () => {
    const verified = verifyDownload({
      ...where,
      facts: facts({ etagIsMd5: false, etag: '"abc-2"', partCount: 2 }),
      ranges: ranges([500], "CRC32C", false),
      rangesAreParts: false,
      rangeAlgorithm: "CRC32C",
    });
    expect(verified).toMatchObject({ size: "ok", checksum: "not verifiable by server", etag: "not checked" });
    expect(verified.summary).toBe(
      "size 1000 ok, no checksum from the server, ETag not an MD5 (encrypted object), bytes not verified beyond their size",
    );
  });
});

describe("verifyDownload: size and coverage", () => {
  it("a missing range, an overlap or a short total fail", () => {
    const all = ranges([100, 500], null, false);
    const base = { ...where, facts: facts({}), rangesAreParts: false, rangeAlgorithm: null };
    expect(() => verifyDownload({ ...base, ranges: [all[0]!, all[2]!] })).toThrow(
      /gap or overlap at byte 100/,
    );
    expect(() => verifyDownload({ ...base, ranges: all.slice(0, 2) })).toThrow(
      /500 bytes were received, the object has 1000/,
    );
    expect(verifyDownload({ ...base, ranges: [all[2]!, all[0]!, all[1]!] }).size).toBe("ok");
  });

  it("an empty object with a CRC verifies against the CRC of no bytes", () => {
    const empty = digest("CRC64NVME", new Uint8Array(0));
    const verified = verifyDownload({
      ...where,
      facts: facts({ size: 0, checksum: { algorithm: "CRC64NVME", value: empty, type: "FULL_OBJECT" } }),
      ranges: [],
      rangesAreParts: false,
      rangeAlgorithm: "CRC64NVME",
    });
    expect(verified.checksum).toBe("ok");
  });
});
