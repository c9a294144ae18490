import zlib from "node:zlib";
import type { ChecksumAlgorithm } from "./algorithms.js";
import { CHECKSUM_ALGORITHMS } from "./algorithms.js";
import { Crc64NvmeJs } from "./crc64nvme-js.js";
import { crc32ToBuffer, type Hasher } from "./hasher.js";
import { loadAwsCrtChecksums, loadNodeRsCrc32 } from "./optional-natives.js";
import { createNodeCryptoHasher, createReferenceHasher } from "./reference.js";

export interface ChecksumImplementation {
  readonly algorithm: ChecksumAlgorithm;
  /** Package or module that computes it, e.g. "aws-crt". */
  readonly name: string;
  readonly kind: "native" | "pure JS" | "OpenSSL";
  create(): Hasher;
}

interface Candidate {
  readonly name: string;
  readonly kind: ChecksumImplementation["kind"];
  /** Loads what the implementation needs; undefined when it is not available on this machine. */
  load(): (() => Hasher) | undefined;
}

type Crc32Function = (data: Uint8Array, previous: number) => number;

/** Adapts the `(data, previousCrc) => crc` style shared by zlib, @node-rs/crc32 and aws-crt. */
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

// Fastest first, as measured by bench/checksum/run.ts on the target machines (Node 20, x64, 2 cores).
const CANDIDATES: Record<ChecksumAlgorithm, readonly Candidate[]> = {
  CRC32: [
    {
      name: "@node-rs/crc32",
      kind: "native",
      load: () => {
        const mod = loadNodeRsCrc32();
        return mod && crc32Style((data, previous) => mod.crc32(data, previous));
      },
    },
    {
      name: "node:zlib",
      kind: "native",
      // zlib.crc32 arrived in Node 20.15.
      load: () => (typeof zlib.crc32 === "function" ? crc32Style(zlib.crc32) : undefined),
    },
    {
      name: "aws-crt",
      kind: "native",
      load: () => {
        const crt = loadAwsCrtChecksums();
        return crt && crc32Style((data, previous) => crt.crc32(data, previous));
      },
    },
    REFERENCE("CRC32"),
  ],
  CRC32C: [
    // Single-threaded, aws-crt and @node-rs/crc32 trade places run to run (~4,600–9,300 MB/s each), but in
    // the worker pool on freshly read 8 MiB ranges aws-crt took ~0.55 ms a range against ~1.5 ms.
    {
      name: "aws-crt",
      kind: "native",
      load: () => {
        const crt = loadAwsCrtChecksums();
        return crt && crc32Style((data, previous) => crt.crc32c(data, previous));
      },
    },
    {
      name: "@node-rs/crc32",
      kind: "native",
      load: () => {
        const mod = loadNodeRsCrc32();
        return mod && crc32Style((data, previous) => mod.crc32c(data, previous));
      },
    },
    REFERENCE("CRC32C"),
  ],
  CRC64NVME: [
    {
      name: "aws-crt",
      kind: "native",
      load: () => {
        const crt = loadAwsCrtChecksums();
        if (!crt) return undefined;
        return () => {
          // aws-crt continues from the DataView it returned last time; no previous value means a fresh CRC.
          let state: DataView | undefined;
          return {
            update: (data) => {
              state = crt.crc64nvme(data, state);
            },
            digest: () =>
              state
                ? Buffer.from(state.buffer.slice(state.byteOffset, state.byteOffset + 8))
                : Buffer.alloc(8),
          };
        };
      },
    },
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

/** Which implementation each algorithm uses, e.g. `{ CRC64NVME: "aws-crt (native)", ... }`, for --version. */
export function checksumImplementations(): Record<ChecksumAlgorithm, string> {
  const report = {} as Record<ChecksumAlgorithm, string>;
  for (const alg of CHECKSUM_ALGORITHMS) {
    const impl = selectedImplementation(alg);
    report[alg] = `${impl.name} (${impl.kind})`;
  }
  return report;
}
