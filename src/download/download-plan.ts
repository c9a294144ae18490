import type { ChecksumAlgorithm } from "../checksum/index.js";
import { DEFAULT_UPLOAD_PART_SIZE, planUpload, type TransferPlan } from "../planner/index.js";
import type { S3Limits } from "../planner/limits.js";
import type { ObjectFacts } from "./object-facts.js";

/** Objects up to this size come in one GET. */
export const DEFAULT_DOWNLOAD_THRESHOLD = 16 * 1024 * 1024;

export interface DownloadPlanOptions {
  partSize?: number;
  strictPartSize?: boolean;
  multipartThreshold?: number;
  limits?: Partial<S3Limits>;
}

/** The ranges to fetch, and what each worker computes over its range's bytes as they arrive. */
export interface DownloadPlan {
  /** `empty`: nothing to GET; `single`: one GET; `multipart`: ranged GETs. */
  plan: TransferPlan;
  /** Each range is exactly one of the object's parts (so part checksums and MD5s can be compared). */
  rangesAreParts: boolean;
  /** The object's own algorithm where it has one, else CRC32C (or none when MD5s are computed). */
  rangeAlgorithm: ChecksumAlgorithm | null;
  /** MD5 per range: only where it verifies something (the ETag) that no checksum verifies. */
  md5: boolean;
  notes: string[];
}

/**
 * Plans a download. A part-by-part check needs ranges that follow the object's parts: a COMPOSITE checksum
 * (each part's checksum, then the checksum of those), or without any checksum, the multipart ETag (MD5 of the
 * part MD5s). Otherwise ranges are cut by size like upload parts, and a FULL_OBJECT CRC is combined from the
 * range CRCs whatever the cut.
 */
export function planDownload(facts: ObjectFacts, options: DownloadPlanOptions = {}): DownloadPlan {
  const notes: string[] = [];
  const checksum = facts.checksum;
  const knownParts =
    facts.partCount !== null &&
    facts.partSizes !== undefined &&
    facts.partSizes.length === facts.partCount &&
    (facts.layout === "server" || facts.layout === "inferred");
  const composite = checksum?.type === "COMPOSITE" && knownParts;
  // The MD5s give the ETag where no checksum is authoritative: none at all, or a composite value over a
  // layout only guessed (a guess that gives the ETag is proven right, and then the composite is checked too).
  const etagByParts =
    facts.etagIsMd5 && knownParts && (!checksum || (composite && facts.layout !== "server"));
  const threshold = options.multipartThreshold ?? DEFAULT_DOWNLOAD_THRESHOLD;
  // What each range is checksummed with: the object's algorithm, else a cheap CRC so that resume can tell a
  // finished range from a damaged one (unless the MD5 computed for the ETag does that already).
  const rangeAlgorithmFor = (md5: boolean): ChecksumAlgorithm | null =>
    checksum?.algorithm ?? (md5 ? null : "CRC32C");

  if (facts.size === 0) {
    return { plan: planUpload(0), rangesAreParts: false, rangeAlgorithm: null, md5: false, notes };
  }
  if ((composite || etagByParts) && facts.partCount! > 1) {
    const sizes = facts.partSizes!;
    const offsets = [0];
    for (const size of sizes) offsets.push(offsets[offsets.length - 1]! + size);
    if (offsets[offsets.length - 1] === facts.size) {
      if (options.partSize !== undefined) {
        notes.push(`ranges follow the object's ${sizes.length} parts so each part can be verified`);
      }
      return {
        plan: {
          kind: "multipart",
          objectSize: facts.size,
          partSize: sizes[0]!,
          partCount: sizes.length,
          lastPartSize: sizes[sizes.length - 1]!,
          maxObjectSize: facts.size,
          layout: "source",
          adjustments: [],
          offsets,
        },
        rangesAreParts: true,
        rangeAlgorithm: rangeAlgorithmFor(etagByParts),
        md5: etagByParts,
        notes,
      };
    }
  }
  // One request for a small object; ranges cut by size for the rest.
  const single = facts.size <= threshold;
  const plan = planUpload(facts.size, {
    partSize: options.partSize ?? DEFAULT_UPLOAD_PART_SIZE,
    strictPartSize: options.strictPartSize ?? false,
    multipartThreshold: threshold + 1,
    forceMultipart: !single,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  // One range holding the whole object: its MD5 is the ETag (or, for a one-part upload, gives it).
  const wholeInOne = plan.partCount === 1 && (facts.partCount === null || facts.partCount === 1);
  const md5 = wholeInOne && !checksum && facts.etagIsMd5;
  return { plan, rangesAreParts: wholeInOne, rangeAlgorithm: rangeAlgorithmFor(md5), md5, notes };
}
