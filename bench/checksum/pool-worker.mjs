// Piscina worker for bench/checksum/run.ts. Plain .mjs importing the checksum packages directly, so it
// loads without a TypeScript loader. Each task reads one range of the file into this worker's reused buffer
// and runs the requested implementations over it, as the engine's part workers will.
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const require = createRequire(import.meta.url);
// The addon as native/build.mjs leaves it (see src/checksum/optional-natives.ts).
const ADDON = fileURLToPath(new URL("../../native/crc/build/Release/s3xfer_crc.node", import.meta.url));
const RANGE_BYTES = 8 * 1024 * 1024;
let buffer = Buffer.allocUnsafe(RANGE_BYTES);

function crc32Bytes(value) {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}

/** Returns (data) => Promise<Buffer | string> for an implementation name as reported by checksumImplementations. */
function loadImplementation(algorithm, implementation) {
  const key = `${algorithm} ${implementation}`;
  switch (key) {
    case "CRC32 @node-rs/crc32":
      return (data) => crc32Bytes(require("@node-rs/crc32").crc32(data));
    case "CRC32C @node-rs/crc32":
      return (data) => crc32Bytes(require("@node-rs/crc32").crc32c(data));
    case "CRC32 node:zlib":
      return (data) => crc32Bytes(zlib.crc32(data));
    case "CRC32C aws-crt":
      return (data) => crc32Bytes(require("aws-crt/dist/native/checksums").crc32c(data));
    case "CRC64NVME aws-crt":
      return (data) => Buffer.from(require("aws-crt/dist/native/checksums").crc64nvme(data).buffer);
    case "CRC32 s3xfer-crc/pclmul":
    case "CRC32 s3xfer-crc/table":
      return (data) => crc32Bytes(require(ADDON).crc32(data));
    case "CRC32C s3xfer-crc/pclmul":
    case "CRC32C s3xfer-crc/table":
      return (data) => crc32Bytes(require(ADDON).crc32c(data));
    case "CRC64NVME s3xfer-crc/pclmul":
    case "CRC64NVME s3xfer-crc/table": {
      return (data) => {
        const out = Buffer.allocUnsafe(8);
        out.writeBigUInt64BE(require(ADDON).crc64nvme(data), 0);
        return out;
      };
    }
    case "CRC32 @aws-crypto/crc32":
      return (data) => crc32Bytes(require("@aws-crypto/crc32").crc32(data));
    case "CRC32C @aws-crypto/crc32c":
      return (data) => crc32Bytes(require("@aws-crypto/crc32c").crc32c(data));
    case "CRC64NVME s3xfer crc64nvme-js":
      return async (data) => {
        const { Crc64Nvme } = await import("@aws-sdk/crc64-nvme");
        const hasher = new Crc64Nvme();
        hasher.update(data);
        return Buffer.from(await hasher.digest());
      };
    case "SHA1 node:crypto":
    case "SHA256 node:crypto":
    case "MD5 node:crypto":
      return (data) => createHash(algorithm.toLowerCase()).update(data).digest();
    default:
      throw new Error(`pool worker does not know ${key}`);
  }
}

const loaded = new Map();

/**
 * @param {{ path: string, offset: number, length: number, work: { algorithm: string, implementation: string }[] }} task
 */
export default async function checksumRange({ path, offset, length, work }) {
  if (buffer.length < length) buffer = Buffer.allocUnsafe(length);
  const started = performance.now();
  const fd = openSync(path, "r");
  try {
    for (let done = 0; done < length;) {
      const n = readSync(fd, buffer, done, length - done, offset + done);
      if (n === 0) throw new Error(`unexpected end of ${path} at ${offset + done}`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  const read = performance.now();
  const data = buffer.subarray(0, length);
  const digests = {};
  for (const { algorithm, implementation } of work) {
    const key = `${algorithm} ${implementation}`;
    let fn = loaded.get(key);
    if (!fn) {
      fn = loadImplementation(algorithm, implementation);
      loaded.set(key, fn);
    }
    digests[algorithm] = Buffer.from(await fn(data)).toString("hex");
  }
  return { digests, readMs: read - started, hashMs: performance.now() - read };
}
