import { describe, expect, it } from "vitest";
import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { planDownload } from "../../src/download/download-plan.js";
import { factsFromHead, objectChecksum, type ObjectFacts } from "../../src/download/object-facts.js";
import { partRanges, S3_LIMITS } from "../../src/planner/index.js";

const MiB = 1024 * 1024;

function facts(over: Partial<ObjectFacts>): ObjectFacts {
  return {
    size: 100 * MiB,
    etag: '"e"',
    checksum: null,
    partCount: null,
    layout: "single",
    etagIsMd5: true,
    ...over,
  };
}

describe("planDownload", () => {
  it("an empty object needs no GET; a small one one GET whose MD5 is its ETag", () => {
    expect(planDownload(facts({ size: 0 })).plan.kind).toBe("empty");
    const small = planDownload(facts({ size: 5 * MiB - 1 }));
    expect(small.plan).toMatchObject({ kind: "single", partCount: 1 });
    expect(small).toMatchObject({ md5: true, rangesAreParts: true, rangeAlgorithm: null });
  });

  it("a FULL_OBJECT CRC object is cut by size and checksummed with its own algorithm, no MD5", () => {
    const planned = planDownload(
      facts({
        checksum: { algorithm: "CRC64NVME", value: "x", type: "FULL_OBJECT" },
        partCount: 7,
        layout: "server",
        partSizes: [],
      }),
      { partSize: 8 * MiB },
    );
    expect(planned.plan).toMatchObject({ kind: "multipart", partSize: 8 * MiB, partCount: 13 });
    expect(planned).toMatchObject({ md5: false, rangeAlgorithm: "CRC64NVME", rangesAreParts: false });
  });

  it("a COMPOSITE object with the server's layout is fetched part by part", () => {
    const sizes = [10 * MiB, 10 * MiB, 80 * MiB];
    const planned = planDownload(
      facts({
        checksum: { algorithm: "SHA256", value: "x-3", type: "COMPOSITE" },
        partCount: 3,
        partSizes: sizes,
        layout: "server",
      }),
      { partSize: 16 * MiB },
    );
    expect([...partRanges(planned.plan)].map((r) => r.size)).toEqual(sizes);
    expect(planned).toMatchObject({ rangesAreParts: true, md5: false, rangeAlgorithm: "SHA256" });
    expect(planned.notes[0]).toMatch(/ranges follow the object's 3 parts/);
  });

  it("without a checksum, a multipart object with a known or guessed layout is fetched by part for its ETag", () => {
    const planned = planDownload(
      facts({ partCount: 13, partSizes: [...Array<number>(12).fill(8 * MiB), 4 * MiB], layout: "inferred" }),
    );
    expect(planned.plan.partCount).toBe(13);
    expect(planned).toMatchObject({ rangesAreParts: true, md5: true, rangeAlgorithm: null });
  });

  it("a COMPOSITE object whose layout is only guessed: by part, with MD5s so the ETag proves the guess", () => {
    const planned = planDownload(
      facts({
        checksum: { algorithm: "SHA1", value: "x-13", type: "COMPOSITE" },
        partCount: 13,
        partSizes: [...Array<number>(12).fill(8 * MiB), 4 * MiB],
        layout: "inferred",
      }),
    );
    expect(planned).toMatchObject({ rangesAreParts: true, md5: true, rangeAlgorithm: "SHA1" });
  });

  it("an encrypted object without checksum: cut by size, a CRC per range for resume, no MD5", () => {
    const planned = planDownload(
      facts({ etagIsMd5: false, partCount: 13, partSizes: [], layout: "inferred" }),
    );
    expect(planned).toMatchObject({ md5: false, rangeAlgorithm: "CRC32C", rangesAreParts: false });
  });

  it("a 48.8 TiB object plans within S3's limits (ranges grown to fit 10,000)", () => {
    const planned = planDownload(
      facts({
        size: S3_LIMITS.maxObjectSize,
        checksum: { algorithm: "CRC32C", value: "x", type: "FULL_OBJECT" },
      }),
    );
    expect(planned.plan.partCount).toBeLessThanOrEqual(10_000);
    expect(planned.plan.partSize).toBeLessThanOrEqual(S3_LIMITS.maxPartSize);
    expect(planned.plan.adjustments.join()).toMatch(/part size grown/);
  });
});

describe("object facts from HEAD", () => {
  it("reads the checksum, its type (a -N value is composite), version and encryption", () => {
    const head = {
      ContentLength: 10,
      ETag: '"abc-2"',
      VersionId: "v1",
      ChecksumSHA256: "AAAA-2",
      SSECustomerAlgorithm: "AES256",
    } as HeadObjectCommandOutput;
    expect(factsFromHead(head, { layout: "unknown" }, undefined)).toEqual({
      size: 10,
      etag: '"abc-2"',
      versionId: "v1",
      checksum: { algorithm: "SHA256", value: "AAAA-2", type: "COMPOSITE" },
      partCount: 2,
      layout: "unknown",
      etagIsMd5: false,
    });
    expect(
      objectChecksum({ ChecksumCRC64NVME: "q", ChecksumType: "FULL_OBJECT" } as HeadObjectCommandOutput),
    ).toEqual({ algorithm: "CRC64NVME", value: "q", type: "FULL_OBJECT" });
    // Ceph's "null" version of an unversioned bucket is not pinned.
    expect(
      factsFromHead(
        { VersionId: "null", ETag: '"e"' } as HeadObjectCommandOutput,
        { layout: "single" },
        undefined,
      ).versionId,
    ).toBeUndefined();
  });
});
