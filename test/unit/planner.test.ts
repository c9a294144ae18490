import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  DEFAULT_UPLOAD_PART_SIZE,
  GiB,
  KiB,
  MiB,
  S3_LIMITS,
  TiB,
  etagPartCount,
  inferPartSizes,
  partRange,
  partRanges,
  planCopy,
  planUpload,
  type TransferPlan,
} from "../../src/planner/index.js";
import { UsageError } from "../../src/errors.js";

const MAX = S3_LIMITS.maxObjectSize;

/**
 * Every invariant a plan of known size must hold, checked part by part. Violations are collected in plain
 * code and asserted once: an expect() per part would make the property runs slow.
 */
function expectValidPlan(plan: TransferPlan, size: number): void {
  expect(plan.objectSize).toBe(size);
  const count = plan.partCount!;
  const problems: string[] = [];
  if (count < 1 || count > S3_LIMITS.maxParts) problems.push(`${count} parts`);
  let expectedStart = 0;
  for (const range of partRanges(plan)) {
    const n = range.partNumber;
    if (range.start !== expectedStart)
      problems.push(`part ${n} starts at ${range.start}, not ${expectedStart}`);
    if (range.size !== range.end - range.start) problems.push(`part ${n} size ${range.size} ≠ end − start`);
    if (range.size > S3_LIMITS.maxPartSize) problems.push(`part ${n} above 5 GiB`);
    if (n < count && range.size < S3_LIMITS.minPartSize) problems.push(`part ${n} below 5 MiB`);
    if (size > 0 && range.size <= 0) problems.push(`part ${n} empty`);
    expectedStart = range.end;
  }
  if (expectedStart !== size) problems.push(`parts end at ${expectedStart}, not ${size}`);
  if (partRange(plan, count).size !== plan.lastPartSize)
    problems.push("lastPartSize differs from the last range");
  expect(problems).toEqual([]);
}

/** For huge plans, check the arithmetic at the ends instead of walking 10,000 parts per property run. */
function expectValidPlanQuick(plan: TransferPlan, size: number): void {
  const count = plan.partCount!;
  expect(count).toBeLessThanOrEqual(S3_LIMITS.maxParts);
  expect(partRange(plan, 1).start).toBe(0);
  expect(partRange(plan, count).end).toBe(size);
  expect(plan.partSize).toBeGreaterThanOrEqual(S3_LIMITS.minPartSize);
  expect(plan.partSize).toBeLessThanOrEqual(S3_LIMITS.maxPartSize);
  expect(plan.lastPartSize).toBeGreaterThan(0);
  expect(plan.lastPartSize).toBeLessThanOrEqual(plan.partSize);
  expect((count - 1) * plan.partSize + plan.lastPartSize!).toBe(size);
}

describe("planUpload boundaries", () => {
  it("size 0 is one empty PutObject, not a multipart upload", () => {
    const plan = planUpload(0);
    expect(plan.kind).toBe("empty");
    expect(plan.partCount).toBe(1);
    expect(plan.lastPartSize).toBe(0);
  });

  it.each([1, 5 * MiB - 1, 5 * MiB, 5 * MiB + 1, 16 * MiB - 1])("%i bytes is a single PutObject", (size) => {
    const plan = planUpload(size);
    expect(plan.kind).toBe("single");
    expect(plan.lastPartSize).toBe(size);
  });

  it("the default threshold (16 MiB) starts multipart", () => {
    const plan = planUpload(16 * MiB);
    expect(plan.kind).toBe("multipart");
    expect(plan.partCount).toBe(1);
    expectValidPlan(plan, 16 * MiB);
  });

  it.each([5 * MiB - 1, 5 * MiB, 5 * MiB + 1, 10 * MiB, 10 * MiB + 1, 100 * MiB])(
    "forced multipart of %i bytes with 5 MiB parts",
    (size) => {
      const plan = planUpload(size, { forceMultipart: true, partSize: 5 * MiB });
      expect(plan.kind).toBe("multipart");
      expect(plan.partCount).toBe(Math.ceil(size / (5 * MiB)));
      expectValidPlan(plan, size);
    },
  );

  it("an exact multiple of the part size has a full last part", () => {
    const plan = planUpload(10 * DEFAULT_UPLOAD_PART_SIZE);
    expect(plan.partCount).toBe(10);
    expect(plan.lastPartSize).toBe(DEFAULT_UPLOAD_PART_SIZE);
  });

  it("48.8 TiB (exactly 10,000 × 5 GiB) is 10,000 parts of 5 GiB", () => {
    const plan = planUpload(MAX);
    expect(plan.partCount).toBe(10_000);
    expect(plan.partSize).toBe(5 * GiB);
    expect(plan.lastPartSize).toBe(5 * GiB);
    expect(plan.adjustments.join()).toMatch(/grown/);
    expectValidPlan(plan, MAX);
  });

  it("one byte above 48.8 TiB is refused, naming the limit", () => {
    expect(() => planUpload(MAX + 1)).toThrow(UsageError);
    expect(() => planUpload(MAX + 1)).toThrow(/above S3's limit of 48\.83 TiB/);
  });

  it("grows the part size to a whole MiB when 10,000 parts would not fit", () => {
    const size = 1 * TiB;
    const plan = planUpload(size, { partSize: 8 * MiB });
    expect(plan.partSize % MiB).toBe(0);
    expect(plan.partSize).toBe(105 * MiB); // ceil(1 TiB / 10,000) = 104.86 MiB
    expect(plan.partCount).toBeLessThanOrEqual(10_000);
    expect(plan.adjustments[0]).toMatch(/grown from 8 MiB to 105 MiB/);
  });

  it("refuses instead of growing when the part size was forced", () => {
    expect(() => planUpload(1 * TiB, { partSize: 8 * MiB, strictPartSize: true })).toThrow(
      /would need 131,072 parts.*at least 105MiB/,
    );
  });

  it("10,000 parts exactly fit with a forced part size; 10,001 do not", () => {
    expect(planUpload(10_000 * 5 * MiB, { partSize: 5 * MiB, strictPartSize: true }).partCount).toBe(10_000);
    expect(() => planUpload(10_000 * 5 * MiB + 1, { partSize: 5 * MiB, strictPartSize: true })).toThrow(
      /10,001 parts/,
    );
  });

  it.each([
    [5 * MiB - 1, /below S3's minimum of 5 MiB/],
    [5 * GiB + 1, /above S3's maximum of 5 GiB/],
    [0, /below/],
  ])("part size %i is rejected", (partSize, message) => {
    expect(() => planUpload(100 * MiB, { partSize })).toThrow(message);
  });

  it("a stream without an expected size says how large it can grow", () => {
    const plan = planUpload(null);
    expect(plan.partCount).toBeNull();
    expect(plan.maxObjectSize).toBe(DEFAULT_UPLOAD_PART_SIZE * 10_000);
    expect(plan.adjustments.join()).toMatch(/largest object reachable.*156.3 GiB/);
  });

  it("a stream with an expected size sizes its parts for it", () => {
    const plan = planUpload(null, { expectedSize: 2 * TiB });
    expect(plan.partSize).toBe(210 * MiB);
    expect(plan.maxObjectSize).toBeGreaterThanOrEqual(2 * TiB);
    expect(() => planUpload(null, { expectedSize: MAX + 1 })).toThrow(/above S3's limit/);
  });

  it("lowered test limits allow 10,000 tiny parts", () => {
    const limits = { minPartSize: 4 * KiB };
    const plan = planUpload(10_000 * 4 * KiB, {
      partSize: 4 * KiB,
      strictPartSize: true,
      forceMultipart: true,
      limits,
    });
    expect(plan.partCount).toBe(10_000);
  });
});

describe("planUpload properties", () => {
  it("ranges are contiguous, cover [0, size) and respect every limit (sizes up to 20 GiB)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 * GiB }),
        fc.integer({ min: 5 * MiB, max: 512 * MiB }),
        (size, partSize) => {
          const plan = planUpload(size, { partSize, forceMultipart: true });
          expectValidPlan(plan, size);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("any size up to 48.8 TiB gets a plan within the limits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16 * MiB, max: MAX }),
        fc.integer({ min: 5 * MiB, max: 5 * GiB }),
        (size, partSize) => {
          const plan = planUpload(size, { partSize });
          expect(plan.kind).toBe("multipart");
          expectValidPlanQuick(plan, size);
          if (plan.partSize !== partSize) {
            // grown: to the smallest whole MiB that fits, never more than needed
            expect(plan.partSize % MiB).toBe(0);
            expect(Math.ceil(size / (plan.partSize - MiB))).toBeGreaterThan(10_000);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("a full walk of a 10,000-part plan holds every invariant", () => {
    expectValidPlan(planUpload(MAX - 12_345), MAX - 12_345);
  });
});

describe("planCopy", () => {
  it("up to 5 GiB is one CopyObject, a multipart source too; above is multipart", () => {
    expect(planCopy(200 * MiB, { sourcePartSizes: inferPartSizes(200 * MiB, 25)! }).kind).toBe("single");
    expect(planCopy(6 * GiB, { sourcePartSizes: inferPartSizes(6 * GiB, 768)! }).layout).toBe("source");
    expect(planCopy(5 * GiB).kind).toBe("single");
    expect(planCopy(0).kind).toBe("single");
    const plan = planCopy(5 * GiB + 1);
    expect(plan.kind).toBe("multipart");
    expectValidPlan(plan, 5 * GiB + 1);
  });

  it("forced multipart below 5 GiB", () => {
    const plan = planCopy(200 * MiB, { forceMultipart: true, partSize: 8 * MiB });
    expect(plan.partCount).toBe(25);
    expectValidPlan(plan, 200 * MiB);
  });

  it("reproduces a uniform source layout compactly", () => {
    const sizes = inferPartSizes(200 * MiB + 3, 26)!;
    const plan = planCopy(200 * MiB + 3, { sourcePartSizes: sizes, forceMultipart: true });
    expect(plan.layout).toBe("source");
    expect(plan.offsets).toBeUndefined();
    expect(plan.partSize).toBe(8 * MiB);
    expect(plan.partCount).toBe(26);
    expectValidPlan(plan, 200 * MiB + 3);
  });

  it("reproduces a non-uniform source layout part for part", () => {
    const sizes = [6 * MiB, 5 * MiB, 9 * MiB, 1];
    const size = sizes.reduce((a, b) => a + b, 0);
    const plan = planCopy(size, { sourcePartSizes: sizes, forceMultipart: true });
    expect([...partRanges(plan)].map((r) => r.size)).toEqual(sizes);
    expectValidPlan(plan, size);
  });

  it("falls back to a size plan when the source layout breaks S3's limits", () => {
    const plan = planCopy(12 * MiB, { sourcePartSizes: [4 * MiB, 4 * MiB, 4 * MiB], forceMultipart: true });
    expect(plan.layout).toBe("uniform");
    expect(plan.adjustments[0]).toMatch(/not reproduced \(part 1 is below 5 MiB\)/);
  });

  it("an explicit part size overrides the source layout", () => {
    const plan = planCopy(200 * MiB, { sourcePartSizes: inferPartSizes(200 * MiB, 25)!, partSize: 32 * MiB });
    expect(plan.layout).toBe("uniform");
    expect(plan.partCount).toBe(7);
  });

  it("48.8 TiB copies in 10,000 parts; more is refused", () => {
    expectValidPlan(planCopy(MAX), MAX);
    expect(() => planCopy(MAX + 1)).toThrow(/source object size .* above S3's limit/);
  });

  it("property: any valid reported layout is reproduced exactly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 5 * MiB, max: 64 * MiB }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 64 * MiB }),
        (body, last) => {
          const sizes = [...body, last];
          const size = sizes.reduce((a, b) => a + b, 0);
          const plan = planCopy(size, { sourcePartSizes: sizes, forceMultipart: true });
          expect([...partRanges(plan)].map((r) => r.size)).toEqual(sizes);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("layout inference", () => {
  it("reads part counts from ETags", () => {
    expect(etagPartCount('"d41d8cd98f00b204e9800998ecf8427e-12"')).toBe(12);
    expect(etagPartCount("d41d8cd98f00b204e9800998ecf8427e")).toBeNull();
  });

  it("recovers the layout aws-cli writes (8 MiB parts)", () => {
    for (const size of [8 * MiB + 1, 100 * MiB, 1 * GiB, 1 * GiB + 7]) {
      const count = Math.ceil(size / (8 * MiB));
      const sizes = inferPartSizes(size, count)!;
      expect(sizes[0]).toBe(8 * MiB);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(size);
    }
  });

  it("prefers a common tool part size when several whole-MiB sizes fit", () => {
    expect(inferPartSizes(8 * MiB + 1, 2)![0]).toBe(8 * MiB);
    expect(inferPartSizes(20 * MiB, 2)![0]).toBe(16 * MiB);
    expect(inferPartSizes(9 * MiB, 2)![0]).toBe(8 * MiB);
    expect(inferPartSizes(5.5 * MiB, 2)![0]).toBe(5 * MiB);
    expect(inferPartSizes(13 * MiB, 2)![0]).toBe(8 * MiB);
    expect(inferPartSizes(15 * MiB, 2)![0]).toBe(8 * MiB);
    // none of the common sizes cuts 30 MiB into 3 parts: the smallest whole MiB that does
    expect(inferPartSizes(30 * MiB, 3)![0]).toBe(10 * MiB);
  });

  it("gives up when no whole-MiB part size yields that count", () => {
    expect(inferPartSizes(3 * MiB, 5)).toBeNull();
  });

  it("property: the part size is recovered whenever size and count determine it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 512 }), fc.integer({ min: 2, max: 2_000 }), (partMiB, count) => {
        const partSize = partMiB * MiB;
        const size = (count - 1) * partSize + 1 + Math.floor(partSize / 3);
        const sizes = inferPartSizes(size, count)!;
        expect(sizes).not.toBeNull();
        expect(Math.ceil(size / sizes[0]!)).toBe(count);
        expect(sizes[0]! % MiB).toBe(0);
        // with many parts only one whole-MiB size fits, and it is the one that was used
        if (2 * partMiB < count) expect(sizes[0]).toBe(partSize);
      }),
    );
  });
});
