import { UsageError } from "../errors.js";
import { KiB, MiB, resolveLimits, type S3Limits } from "./limits.js";
import { formatBytes, formatSize } from "./size.js";

export const DEFAULT_UPLOAD_PART_SIZE = 16 * MiB;
export const DEFAULT_UPLOAD_THRESHOLD = 16 * MiB;
export const DEFAULT_COPY_PART_SIZE = 64 * MiB;

/**
 * - `empty`: a zero-byte object, written with one empty PutObject (never a multipart upload).
 * - `single`: one PutObject / CopyObject.
 * - `multipart`: CreateMultipartUpload, the parts, CompleteMultipartUpload.
 */
export type PlanKind = "empty" | "single" | "multipart";

export interface PartRange {
  partNumber: number;
  /** First byte, zero-based. */
  start: number;
  /** One past the last byte. */
  end: number;
  size: number;
}

/**
 * A part plan. It stays small whatever the object size: uniform plans are described by their part size,
 * and only a copy that reproduces a non-uniform source layout keeps one offset per part (80 KB at most).
 */
export interface TransferPlan {
  kind: PlanKind;
  /** Object size in bytes; null for a stream of unknown length. */
  objectSize: number | null;
  /** Size of every part but the last. */
  partSize: number;
  /** Number of parts; null for a stream of unknown length (it ends where the stream ends). */
  partCount: number | null;
  lastPartSize: number | null;
  /** Largest object this plan can carry: what a stream of unknown length can reach before part 10,000. */
  maxObjectSize: number;
  /** `source` when a copy reproduces the source object's own part boundaries. */
  layout: "uniform" | "source";
  /** What the planner changed from what was asked, in words for the user. */
  adjustments: string[];
  /** Start offset of each part when the layout is not uniform (length partCount + 1, last = objectSize). */
  readonly offsets?: readonly number[];
}

export interface PlanOptions {
  /** Preferred part size; grown (to a whole MiB) when the object would need more parts than S3 allows. */
  partSize?: number;
  /** The user insisted on `partSize` (CLI --part-size): reject instead of growing it. */
  strictPartSize?: boolean;
  /** Objects below this size go in one request. */
  multipartThreshold?: number;
  /** Use multipart even below the threshold. */
  forceMultipart?: boolean;
  /** For streams of unknown length: the size to plan parts for. */
  expectedSize?: number;
  /** Lowered only by tests that lower the server's own minimum too. */
  limits?: Partial<S3Limits>;
}

export interface CopyPlanOptions extends PlanOptions {
  /** The source's part sizes, in order, when it is a multipart object whose layout is known. */
  sourcePartSizes?: readonly number[];
}

/** Plans an upload of `size` bytes, or of a stream of unknown length when `size` is null. */
export function planUpload(size: number | null, options: PlanOptions = {}): TransferPlan {
  const limits = resolveLimits(options.limits);
  const requested = options.partSize ?? DEFAULT_UPLOAD_PART_SIZE;
  checkPartSize(requested, limits);
  if (size === null) return planStream(requested, options, limits);
  checkObjectSize(size, limits, "object");
  if (size === 0) return singlePlan("empty", 0, requested, limits, []);
  const threshold = options.multipartThreshold ?? DEFAULT_UPLOAD_THRESHOLD;
  if (!options.forceMultipart && size < threshold && size <= limits.maxSingleRequestSize) {
    return singlePlan("single", size, requested, limits, []);
  }
  return uniformPlan(size, requested, options.strictPartSize ?? false, limits, []);
}

/** Plans a server-side copy of an object of `sourceSize` bytes. */
export function planCopy(sourceSize: number, options: CopyPlanOptions = {}): TransferPlan {
  const limits = resolveLimits(options.limits);
  const requested = options.partSize ?? DEFAULT_COPY_PART_SIZE;
  checkPartSize(requested, limits);
  checkObjectSize(sourceSize, limits, "source object");
  const threshold = options.multipartThreshold ?? limits.maxSingleRequestSize;
  const adjustments: string[] = [];
  if (sourceSize === 0) {
    if (options.forceMultipart) adjustments.push("an empty object is copied with one CopyObject");
    return singlePlan("single", 0, requested, limits, adjustments);
  }
  // Up to 5 GiB one CopyObject does it (servers such as Ceph even clone it without moving data), unless
  // parts are asked for. Above that, or when asked, a multipart source is copied with its own boundaries,
  // because the same boundaries give the same multipart ETag and so a copy that verifies without reading a
  // byte; an explicit part size asks for another layout.
  const single = !options.forceMultipart && options.partSize === undefined;
  if (single && sourceSize <= threshold && sourceSize <= limits.maxSingleRequestSize) {
    return singlePlan("single", sourceSize, requested, limits, adjustments);
  }
  if (options.sourcePartSizes && options.partSize === undefined) {
    const problem = layoutProblem(sourceSize, options.sourcePartSizes, limits);
    if (problem === null) return sourceLayoutPlan(sourceSize, options.sourcePartSizes, limits);
    adjustments.push(`source layout not reproduced (${problem}); parts planned by size`);
  }
  return uniformPlan(sourceSize, requested, options.strictPartSize ?? false, limits, adjustments);
}

/** The byte range of part `partNumber` (1-based). */
export function partRange(plan: TransferPlan, partNumber: number): PartRange {
  const count = plan.partCount;
  if (!Number.isInteger(partNumber) || partNumber < 1 || (count !== null && partNumber > count)) {
    throw new RangeError(`part ${partNumber} is outside the plan (1..${count ?? "?"})`);
  }
  let start: number;
  let end: number;
  if (plan.offsets) {
    start = plan.offsets[partNumber - 1]!;
    end = plan.offsets[partNumber]!;
  } else {
    start = (partNumber - 1) * plan.partSize;
    end = partNumber === count ? plan.objectSize! : start + plan.partSize;
  }
  return { partNumber, start, end, size: end - start };
}

/** Every part's range, in order, computed as it is consumed. Only for plans of known size. */
export function* partRanges(plan: TransferPlan): Generator<PartRange> {
  if (plan.partCount === null) throw new RangeError("a stream of unknown length has no fixed part ranges");
  for (let n = 1; n <= plan.partCount; n++) yield partRange(plan, n);
}

function checkPartSize(partSize: number, limits: S3Limits): void {
  if (!Number.isSafeInteger(partSize) || partSize < limits.minPartSize) {
    throw new UsageError(
      "INVALID_PART_SIZE",
      `part size ${describe(partSize)} is below S3's minimum of ${describe(limits.minPartSize)}: ` +
        `use a part size of at least ${formatSize(limits.minPartSize).replace(" ", "")}`,
    );
  }
  if (partSize > limits.maxPartSize) {
    throw new UsageError(
      "INVALID_PART_SIZE",
      `part size ${describe(partSize)} is above S3's maximum of ${describe(limits.maxPartSize)}: ` +
        `use a part size of at most ${formatSize(limits.maxPartSize).replace(" ", "")}`,
    );
  }
}

function checkObjectSize(size: number, limits: S3Limits, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new UsageError("INVALID_SIZE", `${what} size must be a whole number of bytes, got ${size}`);
  }
  if (size > limits.maxObjectSize) {
    throw new UsageError(
      "OBJECT_TOO_LARGE",
      `${what} size ${describe(size)} is above S3's limit of ${describe(limits.maxObjectSize)} ` +
        `(${formatBytes(limits.maxParts)} parts of ${formatSize(limits.maxPartSize)}): it cannot be stored as one S3 object; ` +
        `split it into objects of at most ${formatSize(limits.maxObjectSize)}`,
    );
  }
}

function describe(bytes: number): string {
  const short = formatSize(bytes);
  return short.endsWith(" B") ? short : `${short} (${formatBytes(bytes)} bytes)`;
}

function singlePlan(
  kind: "empty" | "single",
  size: number,
  partSize: number,
  limits: S3Limits,
  adjustments: string[],
): TransferPlan {
  return {
    kind,
    objectSize: size,
    partSize: Math.max(size, 0),
    partCount: 1,
    lastPartSize: size,
    maxObjectSize: Math.min(partSize * limits.maxParts, limits.maxObjectSize),
    layout: "uniform",
    adjustments,
  };
}

/** Smallest part size, rounded up to a whole MiB (KiB under lowered test limits), that fits `size`. */
function smallestFittingPartSize(size: number, limits: S3Limits): number {
  const unit = limits.minPartSize >= MiB ? MiB : KiB;
  return Math.max(limits.minPartSize, Math.ceil(size / limits.maxParts / unit) * unit);
}

function uniformPlan(
  size: number,
  requested: number,
  strict: boolean,
  limits: S3Limits,
  adjustments: string[],
): TransferPlan {
  let partSize = requested;
  const needed = Math.ceil(size / partSize);
  if (needed > limits.maxParts) {
    const fitting = Math.min(smallestFittingPartSize(size, limits), limits.maxPartSize);
    if (strict) {
      throw new UsageError(
        "TOO_MANY_PARTS",
        `part size ${describe(requested)} would need ${formatBytes(needed)} parts for ${describe(size)}; ` +
          `S3 allows ${formatBytes(limits.maxParts)}: use a part size of at least ${formatSize(fitting).replace(" ", "")}, ` +
          `or leave the part size out and s3xfer picks one`,
      );
    }
    partSize = fitting;
    adjustments.push(
      `part size grown from ${formatSize(requested)} to ${formatSize(partSize)} to stay within ${formatBytes(limits.maxParts)} parts`,
    );
  }
  const partCount = Math.max(1, Math.ceil(size / partSize));
  return {
    kind: "multipart",
    objectSize: size,
    partSize,
    partCount,
    lastPartSize: size - (partCount - 1) * partSize,
    maxObjectSize: Math.min(partSize * limits.maxParts, limits.maxObjectSize),
    layout: "uniform",
    adjustments,
  };
}

function planStream(requested: number, options: PlanOptions, limits: S3Limits): TransferPlan {
  const adjustments: string[] = [];
  let partSize = requested;
  if (options.expectedSize !== undefined) {
    checkObjectSize(options.expectedSize, limits, "expected");
    if (options.expectedSize > partSize * limits.maxParts) {
      const fitting = smallestFittingPartSize(options.expectedSize, limits);
      if (options.strictPartSize) {
        throw new UsageError(
          "TOO_MANY_PARTS",
          `part size ${describe(requested)} cannot carry the expected ${describe(options.expectedSize)} in ` +
            `${formatBytes(limits.maxParts)} parts: use a part size of at least ${formatSize(fitting).replace(" ", "")}`,
        );
      }
      partSize = fitting;
      adjustments.push(
        `part size grown from ${formatSize(requested)} to ${formatSize(partSize)} for the expected size ${formatSize(options.expectedSize)}`,
      );
    }
  }
  const maxObjectSize = Math.min(partSize * limits.maxParts, limits.maxObjectSize);
  if (options.expectedSize === undefined) {
    adjustments.push(
      `size unknown: the largest object reachable with ${formatSize(partSize)} parts is ${formatSize(maxObjectSize)}; ` +
        `pass an expected size to plan for more`,
    );
  }
  return {
    kind: "multipart",
    objectSize: null,
    partSize,
    partCount: null,
    lastPartSize: null,
    maxObjectSize,
    layout: "uniform",
    adjustments,
  };
}

/** Why a reported source layout cannot be reproduced under S3's limits, or null when it can. */
export function layoutProblem(size: number, partSizes: readonly number[], limits: S3Limits): string | null {
  if (partSizes.length === 0) return "no parts";
  if (partSizes.length > limits.maxParts) return `${formatBytes(partSizes.length)} parts`;
  let total = 0;
  for (let i = 0; i < partSizes.length; i++) {
    const part = partSizes[i]!;
    const last = i === partSizes.length - 1;
    if (!Number.isSafeInteger(part) || part <= 0) return `part ${i + 1} has size ${part}`;
    if (part > limits.maxPartSize) return `part ${i + 1} is above ${formatSize(limits.maxPartSize)}`;
    if (!last && part < limits.minPartSize) return `part ${i + 1} is below ${formatSize(limits.minPartSize)}`;
    total += part;
  }
  if (total !== size)
    return `parts add up to ${formatBytes(total)} bytes, the object has ${formatBytes(size)}`;
  return null;
}

function sourceLayoutPlan(size: number, partSizes: readonly number[], limits: S3Limits): TransferPlan {
  const first = partSizes[0]!;
  const uniform = partSizes.every((part, i) => i === partSizes.length - 1 || part === first);
  const base = {
    kind: "multipart" as const,
    objectSize: size,
    partCount: partSizes.length,
    lastPartSize: partSizes[partSizes.length - 1]!,
    maxObjectSize: limits.maxObjectSize,
    layout: "source" as const,
    adjustments: [`reproduces the source's ${formatBytes(partSizes.length)}-part layout`],
  };
  if (uniform) return { ...base, partSize: first };
  const offsets = [0];
  for (const part of partSizes) offsets.push(offsets[offsets.length - 1]! + part);
  return { ...base, partSize: first, offsets };
}
