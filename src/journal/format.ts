/**
 * The journal's on-disk format: one JSON object per line, append-only. A header, then a line per finished
 * part, then `completed` or `aborted`. Pure functions only, so parsing can be tested exhaustively.
 */
import type { ChecksumAlgorithm } from "../checksum/index.js";
import type { ObjectAttributes } from "../s3/object-attributes.js";

export const JOURNAL_VERSION = 1;

export interface FileSourceIdentity {
  kind: "file";
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

export interface S3SourceIdentity {
  kind: "s3";
  bucket: string;
  key: string;
  versionId?: string;
  etag: string;
  size: number;
}

export type SourceIdentity = FileSourceIdentity | S3SourceIdentity;

/** The part plan, compact: a uniform plan is three numbers; a reproduced source layout lists its offsets. */
export interface JournalPlan {
  objectSize: number;
  partSize: number;
  partCount: number;
  offsets?: number[];
  layout: "uniform" | "source";
}

/** What resume needs to finish the job exactly as the first run would have. Never a secret. */
export interface JournalHeader {
  type: "header";
  version: number;
  operation: "upload" | "copy" | "download";
  createdAt: string;
  source: SourceIdentity;
  destination: { bucket: string; key: string; endpoint?: string; region?: string };
  /**
   * Empty in the header as written: the header goes to disk before CreateMultipartUpload, so a crash in
   * between leaves a journal that knows an upload may exist. The id follows in an `upload` line.
   */
  uploadId: string;
  plan: JournalPlan;
  checksumAlgorithm: ChecksumAlgorithm | null;
  checksumType: "FULL_OBJECT" | "COMPOSITE" | null;
  /** Metadata, tags, storage class, SSE mode and KMS key id: the object's attributes as created. */
  attributes: ObjectAttributes;
  /** MD5 (base64) of the SSE-C key, so resume can insist on the same key without storing it. */
  sseCustomerKeyMd5?: string;
  contentMd5: boolean;
  requestPayer?: "requester";
  expectedBucketOwner?: string;
  /** For copies: what verification needs of the source. */
  sourceLayout?: "server" | "inferred" | "single" | "unknown";
  /** For downloads: the local file (its journal is keyed by this path) and whether it may be replaced. */
  download?: { path: string; overwrite: boolean };
}

export interface JournalPart {
  type: "part";
  partNumber: number;
  etag: string;
  size: number;
  checksum?: string;
  checksumAcknowledged?: boolean;
  md5?: string;
}

export interface JournalEnd {
  type: "completed" | "aborted";
  at: string;
  etag?: string;
  versionId?: string;
  reason?: string;
  /** The result as the finishing run reported it, so `resume` of a finished transfer can print it. */
  result?: unknown;
}

export interface JournalUpload {
  type: "upload";
  uploadId: string;
}

export type JournalLine = JournalHeader | JournalUpload | JournalPart | JournalEnd;

export interface ParsedJournal {
  header: JournalHeader;
  /** The last line for each part number wins (a redone part is appended again). */
  parts: Map<number, JournalPart>;
  end?: JournalEnd;
  /** A last line cut short by a crash, ignored. */
  tornTail: boolean;
}

export class JournalFormatError extends Error {
  override name = "JournalFormatError";
}

export function serializeLine(line: JournalLine): string {
  return `${JSON.stringify(line)}\n`;
}

/**
 * Parses a journal. A torn last line (no newline, or not JSON) is what a crash mid-write leaves: it is
 * ignored. Anything else malformed means the file is not a journal, or was damaged, and is an error.
 */
export function parseJournal(text: string): ParsedJournal {
  const lines = text.split("\n");
  const complete = text.endsWith("\n");
  let tornTail = false;
  if (lines[lines.length - 1] === "") lines.pop();
  const records: JournalLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const isLast = i === lines.length - 1;
    let record: unknown;
    try {
      record = JSON.parse(lines[i]!);
    } catch {
      if (isLast) {
        tornTail = true;
        break;
      }
      throw new JournalFormatError(`line ${i + 1} is not JSON`);
    }
    if (isLast && !complete) {
      // Parsed, but the newline never made it: the write may still have been cut (e.g. a truncated number).
      tornTail = true;
      break;
    }
    records.push(checkLine(record, i + 1));
  }
  const header = records[0];
  if (!header || header.type !== "header")
    throw new JournalFormatError("the first line is not a journal header");
  if (header.version !== JOURNAL_VERSION) {
    throw new JournalFormatError(
      `journal format version ${header.version} is not supported (this s3xfer reads ${JOURNAL_VERSION})`,
    );
  }
  const parts = new Map<number, JournalPart>();
  let end: JournalEnd | undefined;
  for (const record of records.slice(1)) {
    if (record.type === "part") parts.set(record.partNumber, record);
    else if (record.type === "upload") header.uploadId = record.uploadId;
    else if (record.type === "completed" || record.type === "aborted") end = record;
    else throw new JournalFormatError("a second header");
  }
  return { header, parts, ...(end ? { end } : {}), tornTail };
}

function checkLine(record: unknown, lineNumber: number): JournalLine {
  if (typeof record !== "object" || record === null || !("type" in record)) {
    throw new JournalFormatError(`line ${lineNumber} has no type`);
  }
  const line = record as JournalLine;
  switch (line.type) {
    case "header":
      if (typeof line.uploadId !== "string" || typeof line.plan?.partCount !== "number") {
        throw new JournalFormatError(`line ${lineNumber}: incomplete header`);
      }
      return line;
    case "part":
      if (
        !Number.isInteger(line.partNumber) ||
        typeof line.etag !== "string" ||
        typeof line.size !== "number"
      ) {
        throw new JournalFormatError(`line ${lineNumber}: incomplete part`);
      }
      return line;
    case "upload":
      if (typeof line.uploadId !== "string")
        throw new JournalFormatError(`line ${lineNumber}: incomplete upload line`);
      return line;
    case "completed":
    case "aborted":
      return line;
    default:
      throw new JournalFormatError(`line ${lineNumber} has an unknown type`);
  }
}
