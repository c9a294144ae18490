import { UsageError } from "../errors.js";
import { GiB, KiB, MiB, TiB } from "./limits.js";

/**
 * One rule for every size flag: units are powers of 1024, whichever way they are written. "64M", "64MB" and
 * "64MiB" are all 64 × 1024² bytes, as aws-cli (multipart_chunksize = 64MB) and rclone (--s3-chunk-size 64M)
 * read them; a part size is a whole number of MiB in every tool, and "5MB" meaning 5,000,000 bytes would
 * fall below S3's 5 MiB minimum. Case does not matter.
 */
const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: KiB,
  kb: KiB,
  kib: KiB,
  m: MiB,
  mb: MiB,
  mib: MiB,
  g: GiB,
  gb: GiB,
  gib: GiB,
  t: TiB,
  tb: TiB,
  tib: TiB,
};

/** The rule, for --help texts and messages. */
export const SIZE_RULE = "units are powers of 1024: 64M = 64MB = 64MiB";

/** Parses "5MiB", "64M", "64MB", "1.5GiB", "48.8TiB", "1000" into whole bytes (fractions round down). */
export function parseSize(text: string, what = "size"): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(
      "INVALID_SIZE",
      `invalid ${what} "${text}": use a number of bytes or a number with a unit, e.g. 8MiB, 64M, 1.5GiB, 48.8TiB (${SIZE_RULE})`,
    );
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError("INVALID_SIZE", `invalid ${what} "${text}": too large`);
  }
  return bytes;
}

/**
 * Formats bytes briefly: "5 GiB", "5118 MiB", "1.5 MiB", "17 B". A size that is a whole number of some
 * unit below 10,000 is shown exactly in it, so part sizes never round to a misleading "5 GiB".
 */
export function formatSize(bytes: number): string {
  const units: [string, number][] = [
    ["TiB", TiB],
    ["GiB", GiB],
    ["MiB", MiB],
    ["KiB", KiB],
  ];
  for (const [name, unit] of units) {
    const value = bytes / unit;
    if (Number.isInteger(value) && Math.abs(value) >= 1 && Math.abs(value) < 10_000)
      return `${value} ${name}`;
  }
  for (const [name, unit] of units) {
    if (Math.abs(bytes) >= unit) {
      const value = bytes / unit;
      return `${Number(value.toFixed(value >= 100 ? 1 : 2))} ${name}`;
    }
  }
  return `${bytes} B`;
}

/** "1,234,567" — byte counts in messages, where exactness matters more than brevity. */
export function formatBytes(bytes: number): string {
  return bytes.toLocaleString("en-US");
}
