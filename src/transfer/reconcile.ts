/**
 * Deciding, on resume, which parts are really done. Pure: the digests of local parts are computed
 * elsewhere (re-read by workers) and passed in, so every rule here can be tested without a server.
 */
import type { JournalPart } from "../journal/format.js";
import type { PartRange } from "../planner/index.js";
import type { ServerPart } from "./list-parts.js";
import { unquote } from "./verify.js";

export interface LocalDigest {
  md5: string;
  checksum?: string;
}

export type PartVerdict =
  | {
      partNumber: number;
      done: true;
      how: "journal" | "adopted";
      etag: string;
      checksum?: string;
      md5?: string;
    }
  | { partNumber: number; done: false; why: string };

export interface ReconcileInput {
  range: PartRange;
  journal?: JournalPart;
  server?: ServerPart;
  /** Digests re-read from the local file (uploads); absent for copies. */
  local?: LocalDigest;
  /** The server's part ETags are MD5s of the part (not SSE-KMS / SSE-C). */
  etagIsMd5: boolean;
  operation: "upload" | "copy";
}

/**
 * A part counts as done only if the server has it at the planned size and it checks out:
 * - uploads: the bytes in the file now still give the part's checksum (journal) and, where the server's
 *   ETag is an MD5, that MD5; a part the journal lacks is adopted only on an MD5 match.
 * - copies: the server's ETag equals the journal's; a part the journal lacks is adopted on its size (it was
 *   copied from the same pinned, unchanged source).
 * Anything else is sent again.
 */
export function reconcilePart(input: ReconcileInput): PartVerdict {
  const { range, journal, server, local } = input;
  const n = range.partNumber;
  if (!server)
    return { partNumber: n, done: false, why: journal ? "in the journal but not on the server" : "not sent" };
  if (server.size !== range.size) {
    return {
      partNumber: n,
      done: false,
      why: `the server's part has ${server.size} bytes, the plan ${range.size}`,
    };
  }
  const etag = server.etag;
  if (input.operation === "copy") {
    if (journal && unquote(journal.etag) !== unquote(etag))
      return { partNumber: n, done: false, why: "ETag differs from the journal's" };
    return {
      partNumber: n,
      done: true,
      how: journal ? "journal" : "adopted",
      etag,
      ...(journal?.checksum ? { checksum: journal.checksum } : {}),
    };
  }
  if (!local) return { partNumber: n, done: false, why: "the local bytes could not be re-read" };
  if (input.etagIsMd5 && unquote(etag) !== local.md5) {
    return { partNumber: n, done: false, why: "the server's part is not the file's bytes (MD5 differs)" };
  }
  if (journal) {
    if (unquote(journal.etag) !== unquote(etag))
      return { partNumber: n, done: false, why: "ETag differs from the journal's" };
    if (journal.checksum && local.checksum && journal.checksum !== local.checksum) {
      return {
        partNumber: n,
        done: false,
        why: "the file's bytes changed (checksum differs from the journal's)",
      };
    }
    return {
      partNumber: n,
      done: true,
      how: "journal",
      etag,
      ...(local.checksum ? { checksum: local.checksum } : {}),
      md5: local.md5,
    };
  }
  if (!input.etagIsMd5)
    return { partNumber: n, done: false, why: "not in the journal and its ETag cannot be checked" };
  return {
    partNumber: n,
    done: true,
    how: "adopted",
    etag,
    ...(local.checksum ? { checksum: local.checksum } : {}),
    md5: local.md5,
  };
}
