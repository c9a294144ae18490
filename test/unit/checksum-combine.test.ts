import { randomBytes, randomInt } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  combineCrc,
  createHasher,
  createReferenceHasher,
  fullObjectChecksum,
  type CrcAlgorithm,
} from "../../src/checksum/index.js";

const CRCS: readonly CrcAlgorithm[] = ["CRC32", "CRC32C", "CRC64NVME"];
const GIB = 2 ** 30;

function crcOf(alg: CrcAlgorithm, data: Uint8Array): Buffer {
  const hasher = createHasher(alg);
  hasher.update(data);
  return hasher.digest();
}

function xor(a: Uint8Array, b: Uint8Array): Buffer {
  return Buffer.from(a.map((byte, i) => byte ^ b[i]!));
}

// An independent, deliberately naive model of the combine operator: BigInt polynomials in the reflected
// bit order, square-and-multiply for x^(8n). Far too slow for 10,000 parts, fine for a few.
const MODEL: Record<CrcAlgorithm, { width: bigint; poly: bigint }> = {
  CRC32: { width: 32n, poly: 0xedb88320n },
  CRC32C: { width: 32n, poly: 0x82f63b78n },
  CRC64NVME: { width: 64n, poly: 0x9a6c9329ac4bc9b5n },
};

function modelCombine(alg: CrcAlgorithm, crcA: Buffer, crcB: Buffer, lengthB: bigint): Buffer {
  const { width, poly } = MODEL[alg];
  const top = 1n << (width - 1n);
  const multiply = (a: bigint, b: bigint): bigint => {
    let product = 0n;
    for (let m = top; m > 0n; m >>= 1n) {
      if (a & m) product ^= b;
      b = b & 1n ? (b >> 1n) ^ poly : b >> 1n;
    }
    return product;
  };
  let power = top; // x^0
  let square = top >> 1n; // x^1
  for (let e = lengthB * 8n; e > 0n; e >>= 1n) {
    if (e & 1n) power = multiply(power, square);
    square = multiply(square, square);
  }
  const value = multiply(power, BigInt(`0x${crcA.toString("hex")}`)) ^ BigInt(`0x${crcB.toString("hex")}`);
  return Buffer.from(value.toString(16).padStart(Number(width / 4n), "0"), "hex");
}

describe.each(CRCS)("%s combine", (alg) => {
  const width = alg === "CRC64NVME" ? 8 : 4;

  it("equals the CRC of the whole for random splits, including empty parts", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (data, rawCuts) => {
          const cuts = [
            0,
            ...rawCuts.map((cut) => cut % (data.length + 1)).sort((a, b) => a - b),
            data.length,
          ];
          const parts = cuts.slice(1).map((end, i) => data.subarray(cuts[i]!, end));
          const whole = createReferenceHasher(alg);
          whole.update(data);
          const expected = whole.digest();

          let folded = crcOf(alg, parts[0]!);
          for (const part of parts.slice(1)) folded = combineCrc(alg, folded, crcOf(alg, part), part.length);
          expect(folded.equals(expected)).toBe(true);

          const full = fullObjectChecksum(
            alg,
            parts.map((part) => ({ checksum: crcOf(alg, part), size: part.length })),
          );
          expect(full.equals(expected)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("appends a long run of zero bytes correctly", () => {
    const head = randomBytes(1000);
    const zeros = Buffer.alloc(3 * 1024 * 1024 + 5);
    expect(combineCrc(alg, crcOf(alg, head), crcOf(alg, zeros), zeros.length)).toEqual(
      crcOf(alg, Buffer.concat([head, zeros])),
    );
  });

  it("treats length 0 as plain XOR and a zero CRC(A) as no prefix", () => {
    const a = randomBytes(width);
    const b = randomBytes(width);
    expect(combineCrc(alg, a, b, 0)).toEqual(xor(a, b));
    expect(combineCrc(alg, Buffer.alloc(width), b, 5 * GIB)).toEqual(b);
    expect(fullObjectChecksum(alg, [])).toEqual(Buffer.alloc(width));
  });

  it("matches a naive BigInt model for lengths past 4 GiB, as numbers or bigints", () => {
    const lengths = [
      1,
      255,
      256,
      2 ** 32 - 1,
      2 ** 32,
      5 * GIB,
      5 * GIB + 12345,
      Math.floor(48.8 * 2 ** 40),
      2 ** 53 - 1,
    ];
    for (const length of lengths) {
      const a = randomBytes(width);
      const b = randomBytes(width);
      const expected = modelCombine(alg, a, b, BigInt(length));
      expect(combineCrc(alg, a, b, length), `length ${length}`).toEqual(expected);
      expect(combineCrc(alg, a, b, BigInt(length)), `length ${length}n`).toEqual(expected);
    }
    const huge = (1n << 64n) - 1n;
    const a = randomBytes(width);
    const b = randomBytes(width);
    expect(combineCrc(alg, a, b, huge)).toEqual(modelCombine(alg, a, b, huge));
  });

  it("rejects bad lengths and CRC widths", () => {
    const a = Buffer.alloc(width);
    expect(() => combineCrc(alg, a, a, -1)).toThrow(RangeError);
    expect(() => combineCrc(alg, a, a, 1.5)).toThrow(RangeError);
    expect(() => combineCrc(alg, a, a, 2 ** 53)).toThrow(RangeError);
    expect(() => combineCrc(alg, a, a, 1n << 64n)).toThrow(RangeError);
    expect(() => combineCrc(alg, a, Buffer.alloc(width + 1), 1)).toThrow(RangeError);
  });

  it("combines 10,000 parts of up to 5 GiB quickly, independent of grouping", () => {
    const parts = Array.from({ length: 10_000 }, (_, i) => ({
      checksum: randomBytes(width),
      // Mostly uniform 5 GiB parts like a real upload, with a spread of odd sizes to defeat caching.
      size: i % 3 === 0 ? 5 * GIB : randomInt(1, 5 * GIB + 1),
    }));

    const started = performance.now();
    const linear = fullObjectChecksum(alg, parts);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000);

    // Associativity: combine the halves of each range recursively (a balanced tree) instead of left to right.
    const tree = (from: number, to: number): { crc: Buffer; size: number } => {
      if (to - from === 1) return { crc: Buffer.from(parts[from]!.checksum), size: parts[from]!.size };
      const middle = (from + to) >>> 1;
      const left = tree(from, middle);
      const right = tree(middle, to);
      return { crc: combineCrc(alg, left.crc, right.crc, right.size), size: left.size + right.size };
    };
    const grouped = tree(0, parts.length);
    expect(grouped.size).toBeGreaterThan(2 ** 44);
    expect(grouped.crc).toEqual(linear);
  });
});

describe("combine of non-CRC algorithms", () => {
  it("is refused", () => {
    expect(() => combineCrc("SHA256", Buffer.alloc(32), Buffer.alloc(32), 1)).toThrow(/only CRCs/);
    expect(() => fullObjectChecksum("SHA1", [])).toThrow(/only CRCs/);
  });
});

describe("fullObjectChecksum over many parts", () => {
  it.each(CRCS)("%s of 300 parts of mixed sizes equals the CRC of the whole", (alg) => {
    const sizes = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? 0 : randomInt(1, 5000)));
    const parts = sizes.map((size) => randomBytes(size));
    const whole = createReferenceHasher(alg);
    for (const part of parts) whole.update(part);
    const full = fullObjectChecksum(
      alg,
      parts.map((part) => ({ checksum: crcOf(alg, part), size: part.length })),
    );
    expect(full).toEqual(whole.digest());
  });
});
