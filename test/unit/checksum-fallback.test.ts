import { describe, expect, it, vi } from "vitest";

// Simulate a machine where @node-rs/crc32 did not install and the addon was not built (or failed to load).
vi.mock("../../src/checksum/optional-natives.js", () => ({
  loadNodeRsCrc32: () => undefined,
  loadS3xferCrc: () => undefined,
}));

const { availableImplementations, checksumImplementations, createHasher } =
  await import("../../src/checksum/index.js");

describe("without optional native packages", () => {
  it("falls back to built-in and pure-JS implementations", () => {
    expect(checksumImplementations()).toEqual({
      CRC32: "node:zlib (native)",
      CRC32C: "s3xfer crc-wasm (WebAssembly)",
      CRC64NVME: "s3xfer crc-wasm (WebAssembly)",
      SHA1: "node:crypto (OpenSSL)",
      SHA256: "node:crypto (OpenSSL)",
    });
    expect(availableImplementations("CRC32").map((impl) => impl.name)).toEqual([
      "node:zlib",
      "@aws-crypto/crc32",
    ]);
  });

  it("still produces the standard check values", () => {
    const check = Buffer.from("123456789");
    const values = (["CRC32", "CRC32C", "CRC64NVME"] as const).map((alg) => {
      const hasher = createHasher(alg);
      hasher.update(check);
      return hasher.digest().toString("hex");
    });
    expect(values).toEqual(["cbf43926", "e3069283", "ae8b14860a799888"]);
  });
});
