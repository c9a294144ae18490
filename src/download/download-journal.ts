/**
 * A download's journal: the same append-only file as an upload's (src/journal), with operation "download".
 * The header pins the object (ETag, size, version) and the range plan; each finished range is a `part` line
 * with the checksum (and MD5) its worker computed, so resume can re-read it from the partial file and check
 * it without the network. It is keyed by the destination file, not by bucket and key: two downloads of one
 * object to two places are two transfers.
 */
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { JOURNAL_VERSION, type JournalHeader, type ParsedJournal } from "../journal/format.js";
import { JournalFile } from "../journal/journal-file.js";
import { journalDirectory } from "../journal/location.js";
import type { TransferPlan } from "../planner/index.js";
import { UsageError } from "../errors.js";
import type { DownloadPlan } from "./download-plan.js";
import type { ObjectFacts } from "./object-facts.js";
import type { RangeDigest } from "./verify-download.js";

/** The default journal of a download to `destination` (an absolute path). */
export function downloadJournalPath(destination: string, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash("sha256").update(destination).digest("hex").slice(0, 16);
  const readable = basename(destination)
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .slice(0, 80);
  return join(journalDirectory(env), `download-${readable}.${hash}.jsonl`);
}

export interface DownloadHeaderInput {
  bucket: string;
  key: string;
  endpoint?: string;
  region?: string;
  destination: string;
  overwrite: boolean;
  facts: ObjectFacts;
  plan: DownloadPlan;
  sseCustomerKeyMd5?: string;
  requestPayer?: "requester";
  expectedBucketOwner?: string;
}

export function downloadJournalHeader(input: DownloadHeaderInput): JournalHeader {
  const { facts, plan } = input;
  return {
    type: "header",
    version: JOURNAL_VERSION,
    operation: "download",
    createdAt: new Date().toISOString(),
    source: {
      kind: "s3",
      bucket: input.bucket,
      key: input.key,
      ...(facts.versionId ? { versionId: facts.versionId } : {}),
      etag: facts.etag,
      size: facts.size,
    },
    // The object's side of the transfer: where it is read from.
    destination: {
      bucket: input.bucket,
      key: input.key,
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...(input.region ? { region: input.region } : {}),
    },
    uploadId: "",
    plan: {
      objectSize: facts.size,
      partSize: plan.plan.partSize,
      partCount: plan.plan.partCount ?? 1,
      ...(plan.plan.offsets ? { offsets: [...plan.plan.offsets] } : {}),
      layout: plan.plan.layout,
    },
    // For a download: the algorithm each range line's checksum was computed with.
    checksumAlgorithm: plan.rangeAlgorithm,
    checksumType: facts.checksum?.type ?? null,
    attributes: {},
    ...(input.sseCustomerKeyMd5 ? { sseCustomerKeyMd5: input.sseCustomerKeyMd5 } : {}),
    // For a download: whether range lines carry MD5s.
    contentMd5: plan.md5,
    ...(input.requestPayer ? { requestPayer: input.requestPayer } : {}),
    ...(input.expectedBucketOwner ? { expectedBucketOwner: input.expectedBucketOwner } : {}),
    sourceLayout: facts.layout,
    download: { path: input.destination, overwrite: input.overwrite },
  };
}

/** The range plan a journal recorded, as a planner plan (ranges come from partRange on it). */
export function planFromHeader(header: JournalHeader): TransferPlan {
  const p = header.plan;
  const last = p.offsets
    ? p.offsets[p.partCount]! - p.offsets[p.partCount - 1]!
    : p.objectSize - (p.partCount - 1) * p.partSize;
  return {
    kind: p.objectSize === 0 ? "empty" : p.partCount === 1 ? "single" : "multipart",
    objectSize: p.objectSize,
    partSize: p.partSize,
    partCount: p.partCount,
    lastPartSize: last,
    maxObjectSize: p.objectSize,
    layout: p.layout,
    adjustments: [],
    ...(p.offsets ? { offsets: p.offsets } : {}),
  };
}

/** Finished ranges as the journal has them (the last line for a range wins). */
export function journaledRanges(parsed: ParsedJournal, plan: TransferPlan): Map<number, RangeDigest> {
  const done = new Map<number, RangeDigest>();
  for (const [n, part] of parsed.parts) {
    if (n < 1 || n > (plan.partCount ?? 0)) continue;
    const start = plan.offsets ? plan.offsets[n - 1]! : (n - 1) * plan.partSize;
    done.set(n, {
      start,
      size: part.size,
      ...(part.checksum ? { checksum: part.checksum } : {}),
      ...(part.md5 ? { md5: part.md5 } : {}),
    });
  }
  return done;
}

/**
 * Refuses to start a second download into a destination whose unfinished download is on record: its partial
 * file would be overwritten under a transfer that may still be resumed.
 */
export async function checkNoUnfinishedDownload(journalPath: string, destination: string): Promise<void> {
  const existing = await JournalFile.read(journalPath).catch(() => undefined);
  if (existing && !existing.end) {
    throw new UsageError(
      "USAGE",
      `an unfinished download to ${destination} is recorded in ${journalPath}: finish it with ` +
        `"s3xfer resume ${destination}", or start over with "s3xfer resume ${destination} --restart"`,
    );
  }
}
