// Checksum throughput bench: every available implementation single-threaded, then the selected ones in a
// 2-worker piscina pool over a temp file, the shape the engine's part workers have.
// Run: node --import ./bench/register.mjs bench/checksum/run.ts   (or: node --import tsx bench/checksum/run.ts)
import { randomFillSync } from "node:crypto";
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Crc64Nvme } from "@aws-sdk/crc64-nvme";
import { Piscina } from "piscina";
import {
  availableImplementations,
  CHECKSUM_ALGORITHMS,
  checksumImplementations,
  createHasher,
  createMd5Hasher,
  fullObjectChecksum,
  isFullObjectCapable,
  selectedImplementation,
  type ChecksumAlgorithm,
  type Hasher,
} from "../../src/checksum/index.js";

const MiB = 1024 * 1024;
const MB = 1e6;
const DATA_BYTES = 256 * MiB;
const CHUNK_BYTES = 8 * MiB;
const RUNS = 5;
const FILE_BYTES = 1024 * MiB;
const WORKERS = 2;

type BenchAlgorithm = ChecksumAlgorithm | "MD5";

interface Variant {
  algorithm: BenchAlgorithm;
  implementation: string;
  kind: string;
  selected: boolean;
  /** Hashes all of `data` in CHUNK_BYTES updates. */
  run(data: Buffer): Promise<unknown>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function formatNumber(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function feed(hasher: { update(data: Uint8Array): unknown }, data: Buffer): void {
  for (let offset = 0; offset < data.length; offset += CHUNK_BYTES) {
    hasher.update(data.subarray(offset, offset + CHUNK_BYTES));
  }
}

function hasherVariant(
  algorithm: BenchAlgorithm,
  implementation: string,
  kind: string,
  selected: boolean,
  create: () => Hasher,
): Variant {
  return {
    algorithm,
    implementation,
    kind,
    selected,
    run: async (data) => {
      const hasher = create();
      feed(hasher, data);
      return hasher.digest();
    },
  };
}

interface AwsCrtChecksums {
  crc32c(data: Uint8Array, previous?: number): number;
  crc64nvme(data: Uint8Array, previous?: DataView): DataView;
}

/** aws-crt's checksums when someone installed it for comparison, else undefined. */
function awsCrtChecksums(): AwsCrtChecksums | undefined {
  try {
    return createRequire(import.meta.url)("aws-crt/dist/native/checksums") as AwsCrtChecksums;
  } catch {
    return undefined;
  }
}

function variants(): Variant[] {
  const list: Variant[] = [];
  for (const alg of CHECKSUM_ALGORITHMS) {
    const selected = selectedImplementation(alg).name;
    for (const impl of availableImplementations(alg)) {
      list.push(hasherVariant(alg, impl.name, impl.kind, impl.name === selected, impl.create));
    }
    const crt = awsCrtChecksums();
    if (crt && (alg === "CRC32C" || alg === "CRC64NVME")) {
      // No longer a dependency (see src/checksum/optional-natives.ts); measured when installed by hand
      // (`npm i --no-save aws-crt`) so the table can compare against it in the same run.
      list.push(
        hasherVariant(alg, "aws-crt", "native, not used", false, () => {
          if (alg === "CRC32C") {
            let crc = 0;
            return {
              update: (data) => void (crc = crt.crc32c(data, crc)),
              digest: () => Buffer.from([crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255]),
            };
          }
          let state: DataView | undefined;
          return {
            update: (data) => void (state = crt.crc64nvme(data, state)),
            digest: () => Buffer.from(state!.buffer.slice(state!.byteOffset, state!.byteOffset + 8)),
          };
        }),
      );
    }
    if (alg === "CRC64NVME") {
      // Not usable by the engine (async digest) but it is what the AWS SDK falls back to, so worth a number.
      list.push({
        algorithm: alg,
        implementation: "@aws-sdk/crc64-nvme",
        kind: "pure JS",
        selected: false,
        run: async (data) => {
          const hasher = new Crc64Nvme();
          feed(hasher, data);
          return hasher.digest();
        },
      });
    }
  }
  list.push(hasherVariant("MD5", "node:crypto", "OpenSSL", true, createMd5Hasher));
  return list;
}

async function singleThread(data: Buffer): Promise<void> {
  console.log(
    `## Single thread: ${DATA_BYTES / MiB} MiB fed as ${CHUNK_BYTES / MiB} MiB chunks, median of ${RUNS} (MB = 10^6 bytes)\n`,
  );
  console.log("| algorithm | implementation | kind | MB/s | min–max | selected |");
  console.log("|---|---|---|---:|---:|:---:|");
  const warmup = data.subarray(0, CHUNK_BYTES);
  for (const variant of variants()) {
    await variant.run(warmup);
    const rates: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await variant.run(data);
      rates.push(data.length / MB / ((performance.now() - started) / 1000));
    }
    console.log(
      `| ${variant.algorithm} | \`${variant.implementation}\` | ${variant.kind} | ${formatNumber(median(rates))} | ` +
        `${formatNumber(Math.min(...rates))}–${formatNumber(Math.max(...rates))} | ${variant.selected ? "✓" : ""} |`,
    );
  }
}

interface RangeResult {
  digests: Record<string, string>;
  readMs: number;
  hashMs: number;
}

interface PoolConfig {
  label: string;
  work: { algorithm: BenchAlgorithm; implementation: string }[];
}

function digestRange(algorithm: BenchAlgorithm, range: Buffer): string {
  const hasher = algorithm === "MD5" ? createMd5Hasher() : createHasher(algorithm);
  hasher.update(range);
  return hasher.digest().toString("hex");
}

async function pool(data: Buffer): Promise<void> {
  const file = path.join(os.tmpdir(), `s3xfer-checksum-bench-${process.pid}.bin`);
  const fd = openSync(file, "w");
  try {
    for (let written = 0; written < FILE_BYTES; written += data.length) writeSync(fd, data);
  } finally {
    closeSync(fd);
  }

  const selected = (alg: ChecksumAlgorithm) => ({
    algorithm: alg,
    implementation: selectedImplementation(alg).name,
  });
  // Every native CRC implementation gets a row, not only the selected one: the ranking that matters is the one
  // inside workers on freshly read buffers, which can differ from the single-thread table.
  const configs: PoolConfig[] = [{ label: "read only", work: [] }];
  for (const alg of ["CRC32", "CRC32C", "CRC64NVME"] as const) {
    for (const impl of availableImplementations(alg)) {
      if (impl.kind === "native")
        configs.push({ label: alg, work: [{ algorithm: alg, implementation: impl.name }] });
    }
    if (alg !== "CRC32" && awsCrtChecksums())
      configs.push({ label: `${alg} (not used)`, work: [{ algorithm: alg, implementation: "aws-crt" }] });
  }
  configs.push(
    { label: "CRC32 + CRC64NVME", work: [selected("CRC32"), selected("CRC64NVME")] },
    { label: "SHA256", work: [selected("SHA256")] },
    { label: "MD5", work: [{ algorithm: "MD5", implementation: "node:crypto" }] },
  );
  const isSelected = (config: PoolConfig) =>
    config.work.every(
      (w) => w.algorithm === "MD5" || w.implementation === selectedImplementation(w.algorithm).name,
    );

  const ranges = FILE_BYTES / CHUNK_BYTES;
  // The file repeats `data`, so each range's expected digest is that of a range of `data`.
  const rangesInData = data.length / CHUNK_BYTES;
  const piscina = new Piscina({
    filename: new URL("./pool-worker.mjs", import.meta.url).href,
    minThreads: WORKERS,
    maxThreads: WORKERS,
  });

  console.log(
    `\n## piscina, ${WORKERS} workers: ${FILE_BYTES / MiB} MiB page-cached temp file as ${ranges} × ` +
      `${CHUNK_BYTES / MiB} MiB ranges, each worker reads its range into a reused buffer; median of ${RUNS}\n`,
  );
  console.log(
    "| work per range | implementation | selected | MB/s | min–max | read ms/range | hash ms/range | main-thread busy ms | check |",
  );
  console.log("|---|---|:---:|---:|---:|---:|---:|---:|---|");
  try {
    for (const config of configs) {
      const tasks = Array.from({ length: ranges }, (_, i) => ({
        path: file,
        offset: i * CHUNK_BYTES,
        length: CHUNK_BYTES,
        work: config.work,
      }));
      await Promise.all(tasks.slice(0, 2 * WORKERS).map((task) => piscina.run(task)));

      const rates: number[] = [];
      const busy: number[] = [];
      let results: RangeResult[] = [];
      for (let run = 0; run < RUNS; run++) {
        const elu = performance.eventLoopUtilization();
        const started = performance.now();
        results = (await Promise.all(tasks.map((task) => piscina.run(task)))) as RangeResult[];
        rates.push(FILE_BYTES / MB / ((performance.now() - started) / 1000));
        busy.push(performance.eventLoopUtilization(elu).active);
      }

      const checks: string[] = [];
      for (const { algorithm } of config.work) {
        const expected = Array.from({ length: rangesInData }, (_, i) =>
          digestRange(algorithm, data.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES)),
        );
        const partsMatch = results.every((r, i) => r.digests[algorithm] === expected[i % rangesInData]);
        let check = partsMatch ? "parts ok" : "PART MISMATCH";
        if (partsMatch && algorithm !== "MD5" && isFullObjectCapable(algorithm)) {
          const whole = createHasher(algorithm);
          for (let written = 0; written < FILE_BYTES; written += data.length) whole.update(data);
          const combined = fullObjectChecksum(
            algorithm,
            results.map((r) => ({ checksum: Buffer.from(r.digests[algorithm]!, "hex"), size: CHUNK_BYTES })),
          );
          check = combined.equals(whole.digest()) ? "parts + combined ok" : "COMBINED MISMATCH";
        }
        checks.push(`${algorithm}: ${check}`);
      }
      const impls = config.work.map((w) => `\`${w.implementation}\``).join(" + ") || "`fs.readSync`";
      console.log(
        `| ${config.label} | ${impls} | ${isSelected(config) ? "✓" : ""} | ${formatNumber(median(rates))} | ` +
          `${formatNumber(Math.min(...rates))}–${formatNumber(Math.max(...rates))} | ` +
          `${median(results.map((r) => r.readMs)).toFixed(2)} | ${median(results.map((r) => r.hashMs)).toFixed(2)} | ` +
          `${median(busy).toFixed(0)} | ${checks.join("; ") || "–"} |`,
      );
    }
  } finally {
    await piscina.destroy();
    rmSync(file, { force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`# s3xfer checksum bench\n`);
  console.log(
    `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.arch()}\n`,
  );
  console.log("Selected implementations (createHasher):\n");
  for (const [alg, impl] of Object.entries(checksumImplementations())) console.log(`- ${alg}: ${impl}`);
  console.log("");

  const data = Buffer.allocUnsafe(DATA_BYTES);
  randomFillSync(data);
  await singleThread(data);
  await pool(data);
  console.log(`\nTotal bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
