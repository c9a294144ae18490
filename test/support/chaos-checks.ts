// What must hold after any fault, however the transfer ended: the object is the source's bytes or absent,
// every exit-0 result is what the server has, no multipart upload is left open, and no journal claims an
// end that did not happen. Used by the chaos suite after every round.
import { readFile } from "node:fs/promises";
import { HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";
import { parseJournal, type ParsedJournal } from "../../src/journal/format.js";
import type { CliRun } from "./cli.js";
import { downloadedSha256 } from "./objects.js";

export interface RoundOutcome {
  /** The object is there and holds the source's bytes (false: absent). */
  present: boolean;
  /** Everything that does not hold, one sentence each. */
  violations: string[];
  /** Multipart uploads of the key still open. */
  orphans: number;
  /** Journal ends that did not happen. */
  falseClaims: number;
}

export interface CliResult {
  etag: string;
  size: number;
  uploadId?: string;
  partsResumed?: number;
  notes?: string[];
}

/** The result of a --json run: its last line, the `complete` event. */
export function jsonResult(run: CliRun): CliResult | undefined {
  const last = run.stdout.trim().split("\n").pop();
  if (!last) return undefined;
  try {
    const value = JSON.parse(last) as { type?: string; result?: CliResult };
    if (value.type !== "complete" || !value.result) return undefined;
    return value.result;
  } catch {
    return undefined;
  }
}

/** A stack trace on stderr: an expected failure must never print one. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text) || /unexpected error/.test(text);
}

async function head(client: S3Client, bucket: string, key: string) {
  try {
    return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return undefined;
    throw error;
  }
}

export async function readJournalIfAny(path: string): Promise<ParsedJournal | "unreadable" | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    return parseJournal(text);
  } catch {
    return "unreadable";
  }
}

export async function checkRound(
  client: S3Client,
  target: { bucket: string; key: string },
  source: { sha256: string; size: number },
  runs: CliRun[],
  journalPath: string,
): Promise<RoundOutcome> {
  const { bucket, key } = target;
  const violations: string[] = [];
  let falseClaims = 0;
  const object = await head(client, bucket, key);
  if (object) {
    const got = await downloadedSha256(client, bucket, key);
    if (got.sha256 !== source.sha256 || got.size !== source.size)
      violations.push(`the object holds other bytes (${got.size} bytes, sha256 ${got.sha256.slice(0, 12)}…)`);
  }
  const completedUploads = new Set<string>();
  for (const [i, run] of runs.entries()) {
    if (hasStackTrace(run.stderr)) violations.push(`run ${i} printed a stack trace: ${run.stderr.trim()}`);
    if (run.code !== 0) continue;
    const result = jsonResult(run);
    if (!result) continue;
    if (result.uploadId) completedUploads.add(result.uploadId);
    if (!object) {
      falseClaims++;
      violations.push(`run ${i} exited 0 with etag ${result.etag}, but the object does not exist`);
    } else if (object.ContentLength !== result.size || object.ETag !== result.etag) {
      falseClaims++;
      violations.push(
        `run ${i} exited 0 with ${result.size} bytes, etag ${result.etag}; HeadObject says ${object.ContentLength} bytes, etag ${object.ETag}`,
      );
    }
  }
  const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  const openIds = (open.Uploads ?? []).filter((u) => u.Key === key).map((u) => u.UploadId!);
  if (openIds.length > 0)
    violations.push(`${openIds.length} multipart upload(s) left open: ${openIds.join(", ")}`);

  const journal = await readJournalIfAny(journalPath);
  if (journal === "unreadable") violations.push(`the journal ${journalPath} cannot be read`);
  else if (journal?.end?.type === "completed") {
    if (!object) {
      falseClaims++;
      violations.push("the journal says completed, but the object does not exist");
    } else if (journal.end.etag && object.ETag !== journal.end.etag) {
      falseClaims++;
      violations.push(`the journal says completed with ${journal.end.etag}, HeadObject says ${object.ETag}`);
    }
  } else if (journal?.end?.type === "aborted") {
    const id = journal.header.uploadId;
    if (openIds.includes(id)) {
      falseClaims++;
      violations.push(`the journal says aborted, but upload ${id} is still open`);
    }
    if (completedUploads.has(id)) {
      falseClaims++;
      violations.push(`the journal says aborted, but upload ${id} was completed by a run that exited 0`);
    }
  }
  return { present: object !== undefined, violations, orphans: openIds.length, falseClaims };
}
