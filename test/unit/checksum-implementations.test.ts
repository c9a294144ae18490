import { randomBytes } from "node:crypto";
import { Crc64Nvme, crc64NvmeCrtContainer } from "@aws-sdk/crc64-nvme";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  availableImplementations,
  CHECKSUM_ALGORITHMS,
  createReferenceHasher,
  selectedImplementation,
  type Hasher,
} from "../../src/checksum/index.js";

function digestInChunks(hasher: Hasher, data: Uint8Array, chunkSizes: readonly number[]): Buffer {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    hasher.update(data.subarray(offset, offset + size));
    offset += size;
  }
  return hasher.digest();
}

const DATA = randomBytes(3 * 65537 + 12345);
const SPLITS: readonly (readonly number[])[] = [
  [DATA.length],
  [1],
  [7],
  [65537],
  [1, 0, 7, 65537, 3, 4096, 8191],
  [65536, 1],
];

describe.each(CHECKSUM_ALGORITHMS)("%s implementations", (alg) => {
  const implementations = availableImplementations(alg);

  it("include the selected one, which is the first available", () => {
    expect(implementations.length).toBeGreaterThan(0);
    expect(selectedImplementation(alg).name).toBe(implementations[0]!.name);
  });

  const expected = createReferenceHasher(alg);
  expected.update(DATA);
  const reference = expected.digest();

  it.each(implementations.map((impl) => [impl.name, impl] as const))(
    "%s equals the reference for odd chunk splits",
    (_name, impl) => {
      for (const split of SPLITS) {
        expect(digestInChunks(impl.create(), DATA, split).toString("hex"), `split ${split.join(",")}`).toBe(
          reference.toString("hex"),
        );
      }
    },
  );

  it.each(implementations.map((impl) => [impl.name, impl] as const))(
    "%s equals the reference on random data and random splits",
    (_name, impl) => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 4096 }),
          fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 8 }),
          (data, sizes) => {
            // A split of only zero-size chunks would never finish.
            const chunkSizes = sizes.some((size) => size > 0) ? sizes : [...sizes, 1];
            const ref = createReferenceHasher(alg);
            ref.update(data);
            expect(digestInChunks(impl.create(), data, chunkSizes).equals(ref.digest())).toBe(true);
          },
        ),
        { numRuns: 60 },
      );
    },
  );
});

describe("CRC64NVME pure-JS port", () => {
  it("matches @aws-sdk/crc64-nvme's pure implementation", async () => {
    // The reference must never be CRT; importing @aws-sdk/crc64-nvme-crt would fill this container.
    expect(crc64NvmeCrtContainer.CrtCrc64Nvme).toBeNull();
    for (const length of [0, 1, 7, 8, 9, 63, 1000, 65537]) {
      const data = randomBytes(length);
      const theirs = new Crc64Nvme();
      theirs.update(data);
      const expected = Buffer.from(await theirs.digest()).toString("hex");
      const whole = createReferenceHasher("CRC64NVME");
      whole.update(data);
      expect(whole.digest().toString("hex"), `length ${length}`).toBe(expected);
      const chunked = digestInChunks(createReferenceHasher("CRC64NVME"), data, [3, 8, 17]);
      expect(chunked.toString("hex"), `length ${length}, chunked`).toBe(expected);
    }
  });

  it("handles chunked input identically to @aws-sdk/crc64-nvme", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.integer({ min: 1, max: 64 }),
        async (data, chunk) => {
          const theirs = new Crc64Nvme();
          theirs.update(data);
          const ours = digestInChunks(createReferenceHasher("CRC64NVME"), data, [chunk]);
          expect(ours.toString("hex")).toBe(Buffer.from(await theirs.digest()).toString("hex"));
        },
      ),
      { numRuns: 100 },
    );
  });
});
