// The WebAssembly fallback (src/checksum/crc-wasm.ts) against the pure-JS oracles.
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Crc32cWasm, Crc64NvmeWasm, wasmCrcAvailable } from "../../src/checksum/crc-wasm.js";
import { createReferenceHasher } from "../../src/checksum/reference.js";

const POOL = randomBytes(80_000);

function oracle(alg: "CRC32C" | "CRC64NVME", data: Uint8Array): string {
  const hasher = createReferenceHasher(alg);
  hasher.update(data);
  return hasher.digest().toString("hex");
}

function wasm(alg: "CRC32C" | "CRC64NVME", pieces: readonly Uint8Array[]): string {
  const hasher = alg === "CRC32C" ? new Crc32cWasm() : new Crc64NvmeWasm();
  for (const piece of pieces) hasher.update(piece);
  return hasher.digest().toString("hex");
}

describe.each(["CRC32C", "CRC64NVME"] as const)("%s in WebAssembly", (alg) => {
  it("compiles and runs on this Node", () => {
    expect(wasmCrcAvailable()).toBe(true);
  });

  it("gives the catalogue check value", () => {
    expect(wasm(alg, [Buffer.from("123456789")])).toBe(alg === "CRC32C" ? "e3069283" : "ae8b14860a799888");
  });

  it("equals the oracle for every length 0..300 at every offset mod 8", () => {
    for (let length = 0; length <= 300; length++) {
      const data = POOL.subarray(length % 8, (length % 8) + length);
      expect(wasm(alg, [data]), `length ${length}`).toBe(oracle(alg, data));
    }
  });

  it("equals the oracle for random lengths up to ~70 KB, unaligned, in random pieces", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 70_000 }),
        fc.integer({ min: 0, max: 63 }),
        fc.array(fc.integer({ min: 0, max: 70_000 }), { maxLength: 4 }),
        (length, offset, cuts) => {
          const data = POOL.subarray(offset, offset + length);
          const bounds = [0, ...cuts.map((cut) => cut % (length + 1)).sort((a, b) => a - b), length];
          const pieces = bounds.slice(1).map((end, i) => data.subarray(bounds[i], end));
          expect(wasm(alg, pieces)).toBe(oracle(alg, data));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("copes with inputs larger than its 1 MiB window", () => {
    const data = randomBytes(2 * 1024 * 1024 + 77);
    expect(wasm(alg, [data])).toBe(oracle(alg, data));
  });
});
