import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { isCompositeValue, type ChecksumAlgorithm } from "../checksum/index.js";
import { TransferError } from "../errors.js";
import { readChecksum } from "../s3/checksum-fields.js";
import type { Verification } from "./result.js";

export interface Expectations {
  bucket: string;
  key: string;
  size: number;
  algorithm: ChecksumAlgorithm | null;
  /** Our object checksum (full-object, or composite "…-N"), when we have one. */
  checksum: string | null;
  /** The ETag the object must have (unquoted), when we can know it: MD5-of-MD5s, or the source's ETag. */
  etag?: string;
  /** What a differing ETag means: an error (the bytes are wrong) or a note (only the layout differs). */
  etagMismatchIsError: boolean;
  /**
   * The server never acknowledged a part checksum (it echoed none): it ignores checksums, so a missing
   * object checksum means nothing was checked, and the result must say so rather than imply it.
   */
  serverIgnoresChecksums?: boolean;
}

export function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^"|"$/g, "");
}

/** The server's value is composite ("…-N", or typed COMPOSITE) or full-object; only like compare. */
function serverValueIsComposite(head: HeadObjectCommandOutput, value: string): boolean {
  return head.ChecksumType === "COMPOSITE" || isCompositeValue(value);
}

/**
 * Compares what the server reports about the finished object with what we know of the source. Size must
 * match; checksum and ETag are compared when both sides have them and they are of one kind (full-object
 * with full-object, composite with composite), and the result says which could not be.
 */
export function verifyObject(head: HeadObjectCommandOutput, expected: Expectations): Verification {
  const where = { bucket: expected.bucket, key: expected.key };
  if (head.ContentLength !== expected.size) {
    throw new TransferError(
      "VERIFICATION_FAILED",
      `the object on the server has ${head.ContentLength} bytes, the source ${expected.size}`,
      where,
    );
  }
  let checksum: Verification["checksum"] = "not requested";
  if (expected.algorithm) {
    const server = readChecksum(expected.algorithm, head);
    if (!server) checksum = "not verifiable by server";
    else if (!expected.checksum) checksum = "not comparable";
    else if (serverValueIsComposite(head, server) !== isCompositeValue(expected.checksum))
      checksum = "not comparable";
    else if (server === expected.checksum) checksum = "ok";
    else {
      throw new TransferError(
        "VERIFICATION_FAILED",
        `the server's ${expected.algorithm} checksum ${server} differs from ours ${expected.checksum}`,
        where,
      );
    }
  }
  let etag: Verification["etag"] = "not checked";
  if (expected.etag !== undefined) {
    if (unquote(head.ETag) === expected.etag) etag = "ok";
    else if (expected.etagMismatchIsError) {
      throw new TransferError(
        "VERIFICATION_FAILED",
        `the object's ETag ${unquote(head.ETag)} differs from the expected ${expected.etag}`,
        where,
      );
    } else etag = "differs";
  }
  return {
    size: "ok",
    checksum,
    etag,
    summary: summarize(expected, checksum, etag),
  };
}

function summarize(
  expected: Expectations,
  checksum: Verification["checksum"],
  etag: Verification["etag"],
): string {
  const items = [`size ${expected.size} ok`];
  if (checksum === "ok") items.push(`${expected.algorithm} ok`);
  else if (checksum === "not verifiable by server")
    items.push(
      expected.serverIgnoresChecksums
        ? `${expected.algorithm} not verifiable by server (it ignored the part checksums: nothing was checked by the server)`
        : `${expected.algorithm} not verifiable by server`,
    );
  else if (checksum === "not comparable") items.push(`${expected.algorithm} not comparable`);
  if (etag === "ok") items.push("ETag ok");
  else if (etag === "differs")
    items.push("ETag differs from the source's (part layout differs; bytes verified by size only)");
  return items.join(", ");
}

/** What a result says when the object was written but could not be looked at afterwards. */
export function unavailableVerification(size: number, reason: string): Verification {
  return {
    size: "not checked",
    checksum: "not comparable",
    etag: "not checked",
    summary: `not verified: ${reason} (the transfer itself completed; ${size} bytes were sent)`,
    unavailable: reason,
  };
}
