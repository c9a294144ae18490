import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// Declared locally, not imported as types, so the library still compiles when an optional package is absent.
export interface NodeRsCrc32 {
  crc32(input: Uint8Array, initialState?: number): number;
  crc32c(input: Uint8Array, initialState?: number): number;
}

/** The addon in native/crc (built at install by native/build.mjs); `previous` is a finished CRC to continue. */
export interface S3xferCrcAddon {
  crc32(data: Uint8Array, previous?: number): number;
  crc32c(data: Uint8Array, previous?: number): number;
  crc64nvme(data: Uint8Array, previous?: bigint): bigint;
  /** "pclmul" when the CPU folds with carry-less multiply, else "table". */
  acceleration: string;
}

// aws-crt is deliberately not loaded, nor a dependency any more: its module init fatally asserts when
// napi_wrap fails, which is what happens when a worker thread is terminated while it loads the addon (a pool
// torn down on abort), and that aborted the whole process (issue 11). Its CRC64NVME was also the slowest stage.

const require = createRequire(import.meta.url);

/** Where native/build.mjs leaves the addon; this file sits two levels below the root in src/ and dist/. */
export const S3XFER_CRC_ADDON_PATH = fileURLToPath(
  new URL("../../native/crc/build/Release/s3xfer_crc.node", import.meta.url),
);

function tryRequire<T>(ids: readonly string[], isValid: (mod: unknown) => mod is T): T | undefined {
  for (const id of ids) {
    try {
      const mod: unknown = require(id);
      if (isValid(mod)) return mod;
    } catch {
      // Absent optional dependency, an addon that was not built, or a binary that does not fit: next one.
    }
  }
  return undefined;
}

function hasFunctions(mod: unknown, names: readonly string[]): boolean {
  if (typeof mod !== "object" || mod === null) return false;
  const record = mod as Record<string, unknown>;
  return names.every((name) => typeof record[name] === "function");
}

const CHECK_INPUT = Buffer.from("123456789");
/** CRCs of 1000 zero bytes then "123456789", from @aws-crypto/crc32, @aws-crypto/crc32c, @aws-sdk/crc64-nvme. */
const LONG_CHECK = { crc32: 0x0f81b6bc, crc32c: 0xb1e48b91, crc64nvme: 0x5b9ca02623312778n };

/**
 * True when the addon gives the catalogue check values on a short input and on one long enough to be folded,
 * split so that continuing from a previous value is exercised too: an addon built wrongly is never used.
 */
function addonWorks(mod: unknown): mod is S3xferCrcAddon {
  if (!hasFunctions(mod, ["crc32", "crc32c", "crc64nvme"])) return false;
  const addon = mod as S3xferCrcAddon;
  try {
    if (addon.crc32(CHECK_INPUT) !== 0xcbf43926) return false;
    if (addon.crc32c(CHECK_INPUT) !== 0xe3069283) return false;
    if (addon.crc64nvme(CHECK_INPUT) !== 0xae8b14860a799888n) return false;
    const long = Buffer.concat([Buffer.alloc(1000), CHECK_INPUT]);
    const head = long.subarray(0, 700);
    const tail = long.subarray(700);
    return (
      addon.crc32(tail, addon.crc32(head)) === LONG_CHECK.crc32 &&
      addon.crc32c(tail, addon.crc32c(head)) === LONG_CHECK.crc32c &&
      addon.crc64nvme(tail, addon.crc64nvme(head)) === LONG_CHECK.crc64nvme
    );
  } catch {
    return false;
  }
}

let nodeRs: NodeRsCrc32 | undefined | null = null;
let addon: S3xferCrcAddon | undefined | null = null;

/** @node-rs/crc32, or undefined when it is not installed; loaded on first use. */
export function loadNodeRsCrc32(): NodeRsCrc32 | undefined {
  if (nodeRs === null) {
    nodeRs = tryRequire(["@node-rs/crc32"], (mod): mod is NodeRsCrc32 =>
      hasFunctions(mod, ["crc32", "crc32c"]),
    );
  }
  return nodeRs;
}

/**
 * s3xfer's own CRC addon, or undefined when it was not built (no compiler or Node headers at install, install
 * scripts not run) or S3XFER_NATIVE_CRC=0 asks for the portable implementations; loaded on first use.
 */
export function loadS3xferCrc(): S3xferCrcAddon | undefined {
  if (addon === null) {
    addon =
      process.env.S3XFER_NATIVE_CRC === "0" ? undefined : tryRequire([S3XFER_CRC_ADDON_PATH], addonWorks);
  }
  return addon;
}
