import zlib from "node:zlib";
import type { ChecksumAlgorithm } from "./algorithms.js";
import { CHECKSUM_ALGORITHMS } from "./algorithms.js";
import { Crc32cWasm, Crc64NvmeWasm, wasmCrcAvailable } from "./crc-wasm.js";
import { Crc64NvmeJs } from "./crc64nvme-js.js";
import { crc32ToBuffer, type Hasher } from "./hasher.js";
import { loadNodeRsCrc32, loadS3xferCrc, type S3xferCrcAddon } from "./optional-natives.js";
import { createNodeCryptoHasher, createReferenceHasher } from "./reference.js";

export interface ChecksumImplementation {
  readonly algorithm: ChecksumAlgorithm;
  /** Package or module that computes it, e.g. "s3xfer-crc/pclmul" or "@node-rs/crc32". */
  readonly name: string;
  readonly kind: "native" | "WebAssembly" | "pure JS" | "OpenSSL";
  create(): Hasher;
}

interface Candidate {
  readonly name: string;
  readonly kind: ChecksumImplementation["kind"];
  /** Loads what the implementation needs; undefined when it is not available on this machine. */
  load(): (() => Hasher) | undefined;
}

type Crc32Function = (data: Uint8Array, previous: number) => number;

/** Adapts the `(data, previousCrc) => crc` style shared by zlib, @node-rs/crc32 and s3xfer's addon. */
function crc32Style(fn: Crc32Function): () => Hasher {
  return () => {
    let crc = 0;
    return {
      update: (data) => {
        crc = fn(data, crc);
      },
      digest: () => crc32ToBuffer(crc),
    };
  };
}

const REFERENCE = (alg: ChecksumAlgorithm): Candidate => ({
  name: alg === "CRC64NVME" ? "s3xfer crc64nvme-js" : `@aws-crypto/${alg.toLowerCase()}`,
  kind: "pure JS",
  load: () => () => createReferenceHasher(alg),
});

const NODE_CRYPTO = (name: "sha1" | "sha256"): Candidate => ({
  name: "node:crypto",
  kind: "OpenSSL",
  load: () => () => createNodeCryptoHasher(name),
});

/** s3xfer's addon (native/crc), named with how it computes, e.g. "s3xfer-crc/pclmul". */
function addonCandidate(pick: (addon: S3xferCrcAddon) => () => Hasher): Candidate {
  return {
    // Read after load() succeeded, so this never loads the addon by itself.
    get name() {
      const loaded = loadS3xferCrc();
      return loaded ? `s3xfer-crc/${loaded.acceleration}` : "s3xfer-crc";
    },
    kind: "native",
    load: () => {
      const loaded = loadS3xferCrc();
      return loaded && pick(loaded);
    },
  };
}

const NODE_RS = (fn: "crc32" | "crc32c"): Candidate => ({
  name: "@node-rs/crc32",
  kind: "native",
  load: () => {
    const mod = loadNodeRsCrc32();
    return mod && crc32Style((data, previous) => mod[fn](data, previous));
  },
});

const WASM = (alg: "CRC32C" | "CRC64NVME"): Candidate => ({
  name: "s3xfer crc-wasm",
  kind: "WebAssembly",
  load: () =>
    wasmCrcAvailable() ? () => (alg === "CRC32C" ? new Crc32cWasm() : new Crc64NvmeWasm()) : undefined,
});

// Fastest first, as measured by bench/checksum/run.ts on the target machines (Node 20, x64, 2 cores): the
// addon folds with carry-less multiply at ~13–14 GB/s for all three CRCs. When it was not built, @node-rs/crc32
// (prebuilt per platform, no install script) serves CRC32 and CRC32C, and CRC64NVME falls back to the
// WebAssembly tables (about twice the pure JS), then pure JS (WebAssembly can be disabled, e.g. --jitless).
const CANDIDATES: Record<ChecksumAlgorithm, readonly Candidate[]> = {
  CRC32: [
    addonCandidate((addon) => crc32Style((data, previous) => addon.crc32(data, previous))),
    NODE_RS("crc32"),
    {
      name: "node:zlib",
      kind: "native",
      // zlib.crc32 arrived in Node 20.15.
      load: () => (typeof zlib.crc32 === "function" ? crc32Style(zlib.crc32) : undefined),
    },
    REFERENCE("CRC32"),
  ],
  CRC32C: [
    addonCandidate((addon) => crc32Style((data, previous) => addon.crc32c(data, previous))),
    NODE_RS("crc32c"),
    WASM("CRC32C"),
    REFERENCE("CRC32C"),
  ],
  CRC64NVME: [
    addonCandidate((addon) => () => {
      let crc = 0n;
      return {
        update: (data) => {
          crc = addon.crc64nvme(data, crc);
        },
        digest: () => {
          const out = Buffer.allocUnsafe(8);
          out.writeBigUInt64BE(crc, 0);
          return out;
        },
      };
    }),
    WASM("CRC64NVME"),
    { name: "s3xfer crc64nvme-js", kind: "pure JS", load: () => () => new Crc64NvmeJs() },
  ],
  SHA1: [NODE_CRYPTO("sha1")],
  SHA256: [NODE_CRYPTO("sha256")],
};

/** Every implementation of `alg` that loads on this machine, fastest first. */
export function availableImplementations(alg: ChecksumAlgorithm): ChecksumImplementation[] {
  const found: ChecksumImplementation[] = [];
  for (const candidate of CANDIDATES[alg]) {
    const create = candidate.load();
    if (create) found.push({ algorithm: alg, name: candidate.name, kind: candidate.kind, create });
  }
  return found;
}

const selected = new Map<ChecksumAlgorithm, ChecksumImplementation>();

/** The implementation createHasher uses: the first candidate that loads, so slower ones are never loaded. */
export function selectedImplementation(alg: ChecksumAlgorithm): ChecksumImplementation {
  let impl = selected.get(alg);
  if (!impl) {
    for (const candidate of CANDIDATES[alg]) {
      const create = candidate.load();
      if (create) {
        impl = { algorithm: alg, name: candidate.name, kind: candidate.kind, create };
        break;
      }
    }
    // The last candidate of every algorithm is pure JS or node:crypto, so this only fires on a broken table.
    if (!impl) throw new Error(`no ${alg} implementation could be loaded`);
    selected.set(alg, impl);
  }
  return impl;
}

/** A new incremental hasher using the fastest implementation available on this machine. */
export function createHasher(alg: ChecksumAlgorithm): Hasher {
  return selectedImplementation(alg).create();
}

/** Which implementation each algorithm uses, e.g. `{ CRC64NVME: "s3xfer-crc/pclmul (native)", ... }`, for --version. */
export function checksumImplementations(): Record<ChecksumAlgorithm, string> {
  const report = {} as Record<ChecksumAlgorithm, string>;
  for (const alg of CHECKSUM_ALGORITHMS) {
    const impl = selectedImplementation(alg);
    report[alg] = `${impl.name} (${impl.kind})`;
  }
  return report;
}
