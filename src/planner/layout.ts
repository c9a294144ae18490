import { KiB, MiB, resolveLimits, type S3Limits } from "./limits.js";

/** The part count of a multipart ETag ("…-N"), or null for a single-part object's plain MD5 ETag. */
export function etagPartCount(etag: string): number | null {
  const match = /-(\d+)"?$/.exec(etag.trim());
  return match ? Number(match[1]) : null;
}

// Default part sizes of the tools that write most multipart objects: aws-cli/CRT/Java (8 MiB, doubled by
// s3transfer until 10,000 parts fit), lib-storage and rclone (5 MiB), s3xfer (16 MiB), s5cmd (50 MiB).
const COMMON_PART_SIZES = [8, 16, 5, 32, 64, 50, 128, 256, 512, 1024].map((n) => n * MiB);

/**
 * Part sizes for a source whose multipart ETag says it has `partCount` parts when the server will not tell
 * the real layout (Ceph ignores partNumber on HEAD). Any p with ceil(size / p) = partCount is possible; for
 * large objects only one whole-MiB p qualifies, for small part counts several do, and then a common tool
 * default is the likeliest. Otherwise the smallest whole-MiB p, which is what size-driven planners (s3xfer's,
 * aws-cli's for objects past 80 GiB) pick. When none exists the copy is planned by size. The guess is checked
 * afterwards by comparing ETags.
 */
export function inferPartSizes(
  size: number,
  partCount: number,
  limits: Partial<S3Limits> = {},
): number[] | null {
  if (!Number.isSafeInteger(partCount) || partCount < 1 || size <= 0) return null;
  if (partCount === 1) return [size];
  const { minPartSize } = resolveLimits(limits);
  // Under the lowered limits of tests, parts are whole KiB rather than whole MiB (as the planner makes them).
  const unit = minPartSize >= MiB ? MiB : KiB;
  const fits = (p: number) => Math.ceil(size / p) === partCount;
  const smallest = Math.max(minPartSize, Math.ceil(size / partCount / unit) * unit);
  const partSize = COMMON_PART_SIZES.find(fits) ?? smallest;
  if (!fits(partSize)) return null;
  const sizes = new Array<number>(partCount).fill(partSize);
  sizes[partCount - 1] = size - (partCount - 1) * partSize;
  return sizes;
}
