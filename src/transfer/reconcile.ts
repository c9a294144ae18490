/**
 * Deciding, on resume, which parts are really done. Pure: the digests of local parts are computed
 * elsewhere (re-read by workers) and passed in, so every rule here can be tested without a server.
 */
import type { JournalPart } from "../journal/format.js";
import type { PartRange } from "../planner/index.js";
import type { PartDone } from "../engine/run-parts.js";
import type { ParsedJournal } from "../journal/format.js";
import { partRange, partRanges, type TransferPlan } from "../planner/index.js";
import type { ServerPart } from "../s3/multipart-requests.js";
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
      /** The server showed it knows this part's checksum (echoed it before the crash, or lists it now). */
      checksumAcknowledged: boolean;
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
    if (journal?.checksum && server.checksum && journal.checksum !== server.checksum)
      return { partNumber: n, done: false, why: "the server's part checksum differs from the journal's" };
    const checksum = journal?.checksum ?? server.checksum;
    return {
      partNumber: n,
      done: true,
      how: journal ? "journal" : "adopted",
      etag,
      ...(checksum ? { checksum } : {}),
      checksumAcknowledged: !!server.checksum || !!journal?.checksumAcknowledged,
    };
  }
  if (!local) return { partNumber: n, done: false, why: "the local bytes could not be re-read" };
  if (input.etagIsMd5 && unquote(etag) !== local.md5) {
    return { partNumber: n, done: false, why: "the server's part is not the file's bytes (MD5 differs)" };
  }
  if (server.checksum && local.checksum && server.checksum !== local.checksum) {
    return { partNumber: n, done: false, why: "the server's part checksum differs from the file's bytes" };
  }
  const checksumAcknowledged = !!server.checksum || !!journal?.checksumAcknowledged;
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
      checksumAcknowledged,
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
    checksumAcknowledged,
    md5: local.md5,
  };
}

function toPartDone(verdict: Extract<PartVerdict, { done: true }>, size: number): PartDone {
  return {
    ok: true,
    partNumber: verdict.partNumber,
    etag: verdict.etag,
    bytes: size,
    durationMs: 0,
    attempts: 0,
    ...(verdict.checksum ? { checksum: verdict.checksum } : {}),
    ...(verdict.checksumAcknowledged ? { checksumAcknowledged: true } : {}),
    ...(verdict.md5 ? { md5: verdict.md5 } : {}),
  };
}

/** What resume says about its verdicts: parts adopted from the server, parts sent again and why. */
export function verdictNotes(verdicts: PartVerdict[]): string[] {
  const notes: string[] = [];
  const adopted = verdicts.filter((v) => v.done && v.how === "adopted").length;
  const redone = verdicts.filter(
    (v): v is Extract<PartVerdict, { done: false }> => !v.done && v.why !== "not sent",
  );
  if (adopted)
    notes.push(`${adopted} part(s) found on the server but not in the journal were verified and kept`);
  for (const v of redone.slice(0, 5)) notes.push(`part ${v.partNumber} sent again: ${v.why}`);
  if (redone.length > 5) notes.push(`… and ${redone.length - 5} more parts sent again`);
  return notes;
}

/** Judges every planned part (see reconcilePart), adds what was adopted or redone to `notes`, returns the done ones. */
export function reconcileParts(
  notes: { notes: string[] },
  plan: TransferPlan,
  journal: ParsedJournal,
  server: Map<number, ServerPart>,
  how: { operation: "upload" | "copy"; etagIsMd5: boolean; local?: Map<number, LocalDigest> },
): PartDone[] {
  const verdicts = [...partRanges(plan)].map((range) => {
    const recorded = journal.parts.get(range.partNumber);
    const held = server.get(range.partNumber);
    const digest = how.local?.get(range.partNumber);
    return reconcilePart({
      range,
      ...(recorded ? { journal: recorded } : {}),
      ...(held ? { server: held } : {}),
      ...(digest ? { local: digest } : {}),
      etagIsMd5: how.etagIsMd5,
      operation: how.operation,
    });
  });
  notes.notes.push(...verdictNotes(verdicts));
  return verdicts
    .filter((v): v is Extract<PartVerdict, { done: true }> => v.done)
    .map((v) => toPartDone(v, partRange(plan, v.partNumber).size));
}
