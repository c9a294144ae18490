import { createRequire } from "node:module";

// Declared locally, not imported as types, so the library still compiles when an optional package is absent.
export interface NodeRsCrc32 {
  crc32(input: Uint8Array, initialState?: number): number;
  crc32c(input: Uint8Array, initialState?: number): number;
}

export interface AwsCrtChecksums {
  crc32(data: Uint8Array, previous?: number): number;
  crc32c(data: Uint8Array, previous?: number): number;
  crc64nvme(data: Uint8Array, previous?: DataView): DataView;
}

const require = createRequire(import.meta.url);

function tryRequire<T>(ids: readonly string[], isValid: (mod: unknown) => mod is T): T | undefined {
  for (const id of ids) {
    try {
      const mod: unknown = require(id);
      if (isValid(mod)) return mod;
    } catch {
      // Absent optional dependency or a prebuilt binary that does not fit this platform: try the next one.
    }
  }
  return undefined;
}

function hasFunctions(mod: unknown, names: readonly string[]): boolean {
  if (typeof mod !== "object" || mod === null) return false;
  const record = mod as Record<string, unknown>;
  return names.every((name) => typeof record[name] === "function");
}

let nodeRs: NodeRsCrc32 | undefined | null = null;
let awsCrt: AwsCrtChecksums | undefined | null = null;

/** @node-rs/crc32, or undefined when it is not installed; loaded on first use. */
export function loadNodeRsCrc32(): NodeRsCrc32 | undefined {
  if (nodeRs === null) {
    nodeRs = tryRequire(["@node-rs/crc32"], (mod): mod is NodeRsCrc32 =>
      hasFunctions(mod, ["crc32", "crc32c"]),
    );
  }
  return nodeRs;
}

/** aws-crt's checksum functions, or undefined when aws-crt is not installed; loaded on first use. */
export function loadAwsCrtChecksums(): AwsCrtChecksums | undefined {
  if (awsCrt === null) {
    const isChecksums = (mod: unknown): mod is AwsCrtChecksums =>
      hasFunctions(mod, ["crc32", "crc32c", "crc64nvme"]);
    // The checksums submodule loads in about half the time of the full package (no MQTT/HTTP/IoT setup),
    // which matters because every worker thread pays it. The package root is the fallback if the layout moves.
    awsCrt =
      tryRequire(["aws-crt/dist/native/checksums"], isChecksums) ??
      tryRequire(["aws-crt"], (mod): mod is { checksums: AwsCrtChecksums } =>
        hasFunctions((mod as { checksums?: unknown } | null)?.checksums, ["crc32", "crc32c", "crc64nvme"]),
      )?.checksums;
  }
  return awsCrt;
}
