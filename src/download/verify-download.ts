/**
 * What a finished download proves about its bytes, from what the workers computed as the bytes arrived and
 * what HEAD said about the object. Pure: every rule here is unit-tested. Nothing is claimed that was not
 * compared; a mismatch that can only mean damaged bytes is an error, one that may mean a wrong guess about
 * the object's part layout is said as "not comparable".
 */
import {
  compositeChecksum,
  fromS3Base64,
  fullObjectChecksum,
  isFullObjectCapable,
  multipartEtag,
  toS3Base64,
} from "../checksum/index.js";
import { TransferError } from "../errors.js";
import type { Verification } from "../transfer/result.js";
import type { ObjectFacts } from "./object-facts.js";

/** One fetched range and the digests its worker computed. */
export interface RangeDigest {
  start: number;
  size: number;
  /** Base64 checksum of the range with the object's algorithm (or the integrity CRC). */
  checksum?: string;
  /** Hex MD5 of the range. */
  md5?: string;
}

export interface DownloadVerification extends Verification {
  /** Our value of the object's checksum, where it could be computed (for the result). */
  computedChecksum: string | null;
}

export interface VerifyInput {
  bucket: string;
  key: string;
  facts: ObjectFacts;
  /** Every range of the object, in any order. */
  ranges: readonly RangeDigest[];
  /** Each range is exactly one of the object's parts, in the object's layout. */
  rangesAreParts: boolean;
  /** The algorithm the ranges' `checksum` values were computed with. */
  rangeAlgorithm: string | null;
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, "");
}

export function verifyDownload(input: VerifyInput): DownloadVerification {
  const { facts } = input;
  const where = { bucket: input.bucket, key: input.key };
  const ranges = [...input.ranges].sort((a, b) => a.start - b.start);
  let offset = 0;
  for (const range of ranges) {
    if (range.start !== offset) {
      throw new TransferError(
        "VERIFICATION_FAILED",
        `the download has a gap or overlap at byte ${offset} (a range starts at ${range.start})`,
        where,
      );
    }
    offset += range.size;
  }
  if (offset !== facts.size) {
    throw new TransferError(
      "VERIFICATION_FAILED",
      `${offset} bytes were received, the object has ${facts.size}`,
      where,
    );
  }
  const items = [`size ${facts.size} ok`];
  const { checksum, computed } = verifyChecksum(input, ranges, items, where);
  const etag = verifyEtag(input, ranges, items, where);
  if (checksum !== "ok" && etag !== "ok") items.push("bytes not verified beyond their size");
  return { size: "ok", checksum, etag, summary: items.join(", "), computedChecksum: computed };
}

function verifyChecksum(
  input: VerifyInput,
  ranges: readonly RangeDigest[],
  items: string[],
  where: { bucket: string; key: string },
): { checksum: Verification["checksum"]; computed: string | null } {
  const object = input.facts.checksum;
  if (!object) {
    items.push("no checksum from the server");
    return { checksum: "not verifiable by server", computed: null };
  }
  const { algorithm } = object;
  const haveAll = input.rangeAlgorithm === algorithm && ranges.every((r) => r.checksum !== undefined);
  let computed: string | null = null;
  let authoritative = true;
  if (haveAll && object.type === "FULL_OBJECT") {
    if (isFullObjectCapable(algorithm)) {
      computed = toS3Base64(
        fullObjectChecksum(
          algorithm,
          ranges.map((r) => ({ checksum: fromS3Base64(r.checksum!), size: r.size })),
        ),
      );
    } else if (ranges.length === 1) {
      computed = ranges[0]!.checksum!;
    } else if (ranges.length === 0) {
      computed = null;
    }
  } else if (haveAll && object.type === "COMPOSITE" && input.rangesAreParts) {
    if (ranges.length === input.facts.partCount) {
      computed = compositeChecksum(
        algorithm,
        ranges.map((r) => fromS3Base64(r.checksum!)),
      );
      // A composite value over a guessed layout proves nothing when it differs.
      authoritative = input.facts.layout === "server";
    }
  }
  if (computed === null) {
    items.push(
      object.type === "COMPOSITE"
        ? `${algorithm} (composite) not comparable: the object's part layout is not known`
        : `${algorithm} of the whole object not comparable from ranges`,
    );
    return { checksum: "not comparable", computed: null };
  }
  if (computed === object.value) {
    items.push(`${algorithm} ok`);
    return { checksum: "ok", computed };
  }
  if (!authoritative) {
    items.push(`${algorithm} (composite) not comparable: the part layout was guessed`);
    return { checksum: "not comparable", computed: null };
  }
  throw new TransferError(
    "VERIFICATION_FAILED",
    `the downloaded bytes have ${algorithm} ${computed}, the object ${object.value}`,
    where,
  );
}

function verifyEtag(
  input: VerifyInput,
  ranges: readonly RangeDigest[],
  items: string[],
  where: { bucket: string; key: string },
): Verification["etag"] {
  const { facts } = input;
  const etag = unquote(facts.etag);
  if (!facts.etagIsMd5) {
    // Only worth saying when nothing else was checked.
    if (!facts.checksum) items.push("ETag not an MD5 (encrypted object)");
    return "not checked";
  }
  if (!input.rangesAreParts || !ranges.every((r) => r.md5 !== undefined) || ranges.length === 0) {
    if (!facts.checksum) items.push("ETag not comparable from these ranges");
    return "not checked";
  }
  let expected: string;
  let authoritative = true;
  if (facts.partCount === null) {
    if (ranges.length !== 1) return "not checked";
    expected = ranges[0]!.md5!;
  } else {
    if (ranges.length !== facts.partCount) return "not checked";
    expected = multipartEtag(ranges.map((r) => Buffer.from(r.md5!, "hex")));
    authoritative = facts.layout === "server";
  }
  if (expected === etag) {
    items.push(facts.partCount === null ? "ETag (MD5) ok" : `ETag (MD5 of ${facts.partCount} parts) ok`);
    return "ok";
  }
  if (!authoritative) {
    items.push("ETag not comparable: the part layout was guessed and does not give it");
    return "not checked";
  }
  throw new TransferError(
    "VERIFICATION_FAILED",
    `the downloaded bytes give ETag ${expected}, the object has ${etag}`,
    where,
  );
}
