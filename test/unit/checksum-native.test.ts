// The CRC addon (native/crc) against the pure-JS oracles: every length around the folding thresholds, random
// lengths up to ~70 KB at unaligned offsets, and continuation across random splits. Then the property the
// addon exists for besides speed: loading it in worker threads that are terminated mid-load never kills the
// process (aws-crt's init did, issue 11).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Crc32 } from "@aws-crypto/crc32";
import { Crc32c } from "@aws-crypto/crc32c";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Crc64NvmeJs } from "../../src/checksum/crc64nvme-js.js";
import { S3XFER_CRC_ADDON_PATH, loadS3xferCrc } from "../../src/checksum/optional-natives.js";

const addon = loadS3xferCrc();
// The addon is built by `npm ci` (native/build.mjs); only an explicit opt-out may leave it absent.
const optedOut = process.env.S3XFER_SKIP_NATIVE === "1" || process.env.S3XFER_NATIVE_CRC === "0";

function oracle32(data: Uint8Array): number {
  return new Crc32().update(data).digest() >>> 0;
}

function oracle32c(data: Uint8Array): number {
  return new Crc32c().update(data).digest() >>> 0;
}

function oracle64(data: Uint8Array): bigint {
  const hasher = new Crc64NvmeJs();
  hasher.update(data);
  return hasher.digest().readBigUInt64BE(0);
}

// One buffer to take unaligned views of; every comparison uses a fresh slice of it.
const POOL = randomBytes(80_000);

describe.skipIf(optedOut)("s3xfer CRC addon", () => {
  it("was built and loads", () => {
    expect(addon, `not loadable from ${S3XFER_CRC_ADDON_PATH}: see native/crc/build.log`).toBeDefined();
  });

  it("uses carry-less multiply where the CPU has it", () => {
    // On x86-64 Linux /proc/cpuinfo tells whether PCLMULQDQ exists; elsewhere the table path is expected.
    const cpuinfo = spawnSync("cat", ["/proc/cpuinfo"], { encoding: "utf8" }).stdout ?? "";
    const hasPclmul = process.arch === "x64" && /\bpclmulqdq\b/.test(cpuinfo);
    expect(addon!.acceleration).toBe(hasPclmul ? "pclmul" : "table");
  });

  it("equals the oracles for every length 0..1100 (every folding boundary) at every offset mod 16", () => {
    for (let length = 0; length <= 1100; length++) {
      const offset = length % 16;
      const data = POOL.subarray(offset, offset + length);
      expect(addon!.crc64nvme(data), `CRC64NVME length ${length}`).toBe(oracle64(data));
      expect(addon!.crc32(data), `CRC32 length ${length}`).toBe(oracle32(data));
      expect(addon!.crc32c(data), `CRC32C length ${length}`).toBe(oracle32c(data));
    }
  });

  it("equals the oracles for random lengths up to ~70 KB at unaligned offsets", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 63 }), (length, offset) => {
        const data = POOL.subarray(offset, offset + length);
        expect(addon!.crc64nvme(data)).toBe(oracle64(data));
        expect(addon!.crc32(data)).toBe(oracle32(data));
        expect(addon!.crc32c(data)).toBe(oracle32c(data));
      }),
      { numRuns: 150 },
    );
  });

  it("continues from a previous value exactly as one pass over the whole", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 70_000 }),
        fc.array(fc.integer({ min: 0, max: 70_000 }), { maxLength: 6 }),
        (length, cuts) => {
          const data = POOL.subarray(3, 3 + length);
          const bounds = [0, ...cuts.map((cut) => cut % (length + 1)).sort((a, b) => a - b), length];
          let c64 = 0n;
          let c32 = 0;
          let c32c = 0;
          for (let i = 1; i < bounds.length; i++) {
            const piece = data.subarray(bounds[i - 1], bounds[i]);
            c64 = addon!.crc64nvme(piece, c64);
            c32 = addon!.crc32(piece, c32);
            c32c = addon!.crc32c(piece, c32c);
          }
          expect(c64).toBe(oracle64(data));
          expect(c32).toBe(oracle32(data));
          expect(c32c).toBe(oracle32c(data));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("handles a large buffer as the engine feeds it (8 MiB ranges)", () => {
    const big = randomBytes(8 * 1024 * 1024 + 13);
    expect(addon!.crc64nvme(big)).toBe(oracle64(big));
  });

  it("computes the same on its table path, the one CPUs without carry-less multiply take", () => {
    // The path is chosen when the library loads, so a child process loads it with the table forced.
    const lengths = [0, 1, 7, 8, 9, 255, 256, 257, 1000, 4096 + 3, 70_001];
    const pattern = (length: number) =>
      Buffer.from(Array.from({ length }, (_, i) => (i * 2654435761) >>> 24));
    const script = `
      const addon = require(${JSON.stringify(S3XFER_CRC_ADDON_PATH)});
      const pattern = ${pattern.toString()};
      const out = ${JSON.stringify(lengths)}.map((length) => {
        const data = pattern(length);
        return [addon.crc32(data), addon.crc32c(data), addon.crc64nvme(data).toString(16)];
      });
      console.log(JSON.stringify({ acceleration: addon.acceleration, out }));
    `;
    const result = spawnSync(process.execPath, ["-e", script], {
      encoding: "utf8",
      env: { ...process.env, S3XFER_CRC_FORCE_TABLE: "1" },
    });
    expect(result.stderr).toBe("");
    const { acceleration, out } = JSON.parse(result.stdout) as { acceleration: string; out: unknown };
    expect(acceleration).toBe("table");
    expect(out).toEqual(
      lengths.map((length) => {
        const data = pattern(length);
        return [oracle32(data), oracle32c(data), oracle64(data).toString(16)];
      }),
    );
  });

  it("rejects what is not bytes with a TypeError instead of crashing", () => {
    const crc = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(() => crc.crc64nvme!("123456789")).toThrow(TypeError);
    expect(() => crc.crc32!(new Uint16Array(4))).toThrow(TypeError);
    expect(() => crc.crc32c!()).toThrow(TypeError);
    expect(() => crc.crc64nvme!(Buffer.alloc(1), 5)).toThrow(TypeError);
    expect(() => crc.crc32!(Buffer.alloc(1), "0")).toThrow(TypeError);
  });

  it("survives worker threads terminated while they load it", () => {
    // 40 workers each load the addon and are terminated at a seeded moment 0–60 ms after they start (their
    // start-up plus the load), in a child process: an init that aborts would take the test runner with it.
    // S3XFER_TERMINATE_LOAD_MODULE points it at another module: aws-crt's checksums (1.33.2) died with exit 255
    // ("Fatal error condition … module.c … napi_wrap") on 5 seeds of 6 tried, this addon on none.
    const target = process.env.S3XFER_TERMINATE_LOAD_MODULE ?? S3XFER_CRC_ADDON_PATH;
    const script = `
      const { Worker } = require("node:worker_threads");
      let seed = 1;
      const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      (async () => {
        for (let i = 0; i < 40; i++) {
          const worker = new Worker(
            "const m = require(process.env.TARGET); (m.crc64nvme ?? m.checksums.crc64nvme)(Buffer.alloc(1 << 20));",
            { eval: true, env: { TARGET: ${JSON.stringify(target)} } },
          );
          await new Promise((r) => setTimeout(r, Math.floor(next() * 60)));
          await worker.terminate();
        }
        console.log("done");
      })();
    `;
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 110_000 });
    expect({ status: result.status, signal: result.signal, stdout: result.stdout.trim() }).toEqual({
      status: 0,
      signal: null,
      stdout: "done",
    });
    expect(result.stderr).toBe("");
    // 40 worker start-ups in a child: seconds on a loaded machine, well past vitest's 5 s default.
  }, 90_000);
});
