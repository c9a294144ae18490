import { stat } from "node:fs/promises";
import { UsageError } from "../errors.js";
import {
  JournalFormatError,
  type JournalHeader,
  type JournalPlan,
  type ParsedJournal,
} from "../journal/format.js";
import { Journal } from "../journal/journal.js";
import { partRange, partRanges, type TransferPlan } from "../planner/index.js";
import type { ObjectAttributes } from "../s3/object-attributes.js";
import { classifyError } from "../s3/error-class.js";
import type { PartOutcome } from "../workers/tasks.js";
import {
  buildResult,
  createContext,
  runTransfer,
  validateCommonOptions,
  type TransferContext,
} from "./context.js";
import { copy, copyJobs, checkBeforeComplete, expectationsFor, type CopyContext } from "./copy.js";
import { headSource, type SourceAccess, type SourceObject } from "./copy-source.js";
import type { EventOptions } from "./events.js";
import { listParts, type ServerPart } from "./list-parts.js";
import { abortUpload, headObject } from "./multipart.js";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { etagPartCount, type PartRange } from "../planner/index.js";
import { unquote, verifyObject } from "./verify.js";
import { runMultipart } from "./multipart-transfer.js";
import { sseKeyMd5 } from "./journal-header.js";
import type { CommonTransferOptions } from "./options.js";
import { reconcilePart, type LocalDigest, type PartVerdict } from "./reconcile.js";
import type { TransferResult } from "./result.js";
import type { PartDone } from "./run-parts.js";
import { fileJobs, upload, withUploadId, type UploadOptions } from "./upload.js";
import { multipartEtag } from "../checksum/index.js";
import type { ConnectionOptions } from "../s3/client-settings.js";

export interface ResumeOptions extends ConnectionOptions, EventOptions {
  concurrency?: number;
  threads?: number;
  signal?: AbortSignal;
  keepForResume?: boolean;
  keepOnError?: boolean;
  retry?: CommonTransferOptions["retry"];
  idleTimeoutMs?: number;
  /** Required again when the transfer used SSE-C: the journal keeps only its MD5. */
  sseCustomerKey?: Uint8Array | string;
  sourceSseCustomerKey?: Uint8Array | string;
  /** Abort the recorded upload and start the transfer over (when the source changed or the upload is gone). */
  restart?: boolean;
  limits?: CommonTransferOptions["limits"];
}

/**
 * Finishes a transfer recorded in a journal: checks the source is unchanged, asks the server which parts it
 * has, re-verifies them against the local bytes (uploads) or the journal (copies), sends only what is
 * missing, and completes and verifies exactly as a fresh transfer would.
 */
export async function resume(journalPath: string, options: ResumeOptions = {}): Promise<TransferResult> {
  const journal = await readJournal(journalPath);
  const { header } = journal;
  if (header.operation === "download") {
    throw new UsageError("USAGE", `${journalPath} records a download: resume it with resumeDownload`);
  }
  const location = {
    bucket: header.destination.bucket,
    key: header.destination.key,
    uploadId: header.uploadId,
  };
  if (journal.end?.type === "completed") {
    const result = journal.end.result as TransferResult | undefined;
    if (!result)
      throw new UsageError(
        "USAGE",
        `the transfer in ${journalPath} has completed; there is nothing to resume`,
      );
    options.onEvent?.({ type: "note", message: "this transfer had already completed" });
    options.onEvent?.({ type: "complete", result });
    return result;
  }
  if (journal.end?.type === "aborted") {
    throw new UsageError(
      "USAGE",
      `the transfer in ${journalPath} was aborted (${journal.end.reason ?? "no reason recorded"}); there is nothing to resume: start it again with s3xfer cp`,
    );
  }
  const common = commonOptions(header, options);
  if (options.restart) return restart(journalPath, header, common, options);
  checkSseKey(header, options);

  if (header.operation === "upload")
    return resumeUpload(journalPath, journal, common as UploadOptions & { contentMd5: boolean }, location);
  return resumeCopy(journalPath, journal, common, options, location);
}

async function readJournal(path: string): Promise<ParsedJournal> {
  try {
    return await Journal.read(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UsageError(
        "USAGE",
        `no journal at ${path}: nothing to resume (was the transfer run with --no-journal?)`,
      );
    }
    if (error instanceof JournalFormatError)
      throw new UsageError("JOURNAL", `${path} is not a usable journal: ${error.message}`);
    throw error;
  }
}

/** The transfer's options as the first run had them (from the journal), with this run's connection. */
function commonOptions(
  header: JournalHeader,
  options: ResumeOptions,
): CommonTransferOptions & { contentMd5: boolean } {
  const attributes: ObjectAttributes = { ...header.attributes };
  if (attributes.expires) attributes.expires = new Date(attributes.expires);
  const endpoint = options.endpoint ?? (options.client ? undefined : header.destination.endpoint);
  const region = options.region ?? header.destination.region;
  return {
    ...options,
    ...attributes,
    bucket: header.destination.bucket,
    key: header.destination.key,
    checksumAlgorithm: header.checksumAlgorithm ?? "NONE",
    contentMd5: header.contentMd5,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(header.requestPayer ? { requestPayer: header.requestPayer } : {}),
    ...(header.expectedBucketOwner ? { expectedBucketOwner: header.expectedBucketOwner } : {}),
    ...(options.sseCustomerKey !== undefined ? { sseCustomerKey: options.sseCustomerKey } : {}),
    partSize: header.plan.partSize,
  };
}

function checkSseKey(header: JournalHeader, options: ResumeOptions): void {
  if (!header.sseCustomerKeyMd5) return;
  const validated = validateCommonOptions({
    bucket: "b",
    key: "k",
    ...(options.sseCustomerKey !== undefined ? { sseCustomerKey: options.sseCustomerKey } : {}),
  });
  if (!validated.sseCustomer) {
    throw new UsageError(
      "USAGE",
      "this transfer is encrypted with SSE-C: give the same key again with --sse-c-key (the journal keeps only its MD5)",
    );
  }
  if (sseKeyMd5(validated.sseCustomer.key) !== header.sseCustomerKeyMd5) {
    throw new UsageError(
      "USAGE",
      "the SSE-C key given is not the one this transfer was started with (its MD5 differs)",
    );
  }
}

export function planFromJournal(plan: JournalPlan): TransferPlan {
  const lastPartSize = plan.offsets
    ? plan.offsets[plan.partCount]! - plan.offsets[plan.partCount - 1]!
    : plan.objectSize - (plan.partCount - 1) * plan.partSize;
  return {
    kind: "multipart",
    objectSize: plan.objectSize,
    partSize: plan.partSize,
    partCount: plan.partCount,
    lastPartSize,
    maxObjectSize: plan.objectSize,
    layout: plan.layout,
    adjustments: [],
    ...(plan.offsets ? { offsets: plan.offsets } : {}),
  };
}

function restartHint(header: JournalHeader): string {
  return `s3xfer resume --restart s3://${header.destination.bucket}/${header.destination.key}`;
}

/** Aborts the recorded upload (if it is still there) and runs the transfer again from the start. */
async function restart(
  journalPath: string,
  header: JournalHeader,
  common: CommonTransferOptions & { contentMd5: boolean },
  options: ResumeOptions,
): Promise<TransferResult> {
  const context = createContext(
    header.operation as "upload" | "copy",
    common,
    validateCommonOptions(common),
    "",
  );
  try {
    await abortUpload(context.dest, header.uploadId);
  } finally {
    await context.pool.destroy();
    if (!common.client) context.client.destroy();
  }
  const old = await Journal.append(journalPath);
  await old.finish({ type: "aborted", reason: "restarted" });
  await old.close();
  const fresh = { ...common, journal: journalPath };
  delete (fresh as { partSize?: number }).partSize;
  if (header.source.kind === "file") return upload({ ...fresh, source: header.source.path });
  const { bucket, key } = header.source;
  return copy({
    ...fresh,
    source: { bucket, key },
    ...(options.sourceSseCustomerKey !== undefined
      ? { sourceSseCustomerKey: options.sourceSseCustomerKey }
      : {}),
  });
}

/**
 * The upload this journal's transfer uses. A journal without an upload id was cut off between writing its
 * header and CreateMultipartUpload's answer: the upload may exist, so look for one on that key started since
 * the journal was, adopt it, and abort any other such (they are ours too, and would be orphans).
 */
async function recordedUpload(context: TransferContext, header: JournalHeader): Promise<string> {
  if (header.uploadId) return header.uploadId;
  const since = Date.parse(header.createdAt) - 60_000;
  const response = await context.dest.client.send(
    new ListMultipartUploadsCommand({ Bucket: context.dest.bucket, Prefix: context.dest.key }),
  );
  const ours = (response.Uploads ?? [])
    .filter((u) => u.Key === context.dest.key && u.UploadId && (u.Initiated?.getTime() ?? 0) >= since)
    .sort((a, b) => (b.Initiated?.getTime() ?? 0) - (a.Initiated?.getTime() ?? 0));
  for (const extra of ours.slice(1)) await abortUpload(context.dest, extra.UploadId!);
  if (ours[0])
    context.notes.push(`adopted upload ${ours[0].UploadId} that was created just before the interruption`);
  return ours[0]?.UploadId ?? "";
}

/** Asks the server for the upload's parts; undefined when the upload no longer exists. */
async function serverParts(
  context: TransferContext,
  uploadId: string,
): Promise<Map<number, ServerPart> | undefined> {
  if (!uploadId) return new Map();
  try {
    return await listParts(context.dest, uploadId);
  } catch (error) {
    const info = classifyError(error);
    // AWS answers NoSuchUpload; this Ceph answers NoSuchKey for an aborted or completed upload.
    if (info.code === "NoSuchUpload" || info.code === "NoSuchKey" || info.httpStatus === 404)
      return undefined;
    throw error;
  }
}

/**
 * The upload is gone. If that is because it completed (a crash after CompleteMultipartUpload, before the
 * journal said so), the object is there with the planned size and part count, and, where its ETag is an
 * MD5-of-MD5s we can recompute, that ETag: then the transfer is done. Otherwise it was aborted or expired.
 */
async function completedBeforeInterruption(
  context: TransferContext,
  header: JournalHeader,
  plan: TransferPlan,
  expectedEtag: () => Promise<{ etag: string; exact: boolean } | undefined>,
): Promise<TransferResult> {
  const gone = new UsageError(
    "NO_SUCH_UPLOAD",
    `the multipart upload ${header.uploadId} no longer exists on the server (aborted, expired or completed elsewhere): ` +
      `start over with "${restartHint(header)}"`,
  );
  const head = await headObject(context.dest).catch(() => undefined);
  const recent = (head?.LastModified?.getTime() ?? 0) >= Date.parse(header.createdAt) - 60_000;
  if (
    !head ||
    !recent ||
    head.ContentLength !== plan.objectSize ||
    etagPartCount(head.ETag ?? "") !== plan.partCount
  ) {
    throw gone;
  }
  const expected = await expectedEtag();
  const verified = verifyObject(head, {
    bucket: context.dest.bucket,
    key: context.dest.key,
    size: plan.objectSize!,
    algorithm: context.algorithm,
    checksum: null,
    ...(expected ? { etag: expected.etag } : {}),
    // Uploads recompute the MD5-of-MD5s from the file: a mismatch means other bytes. A copy's expected
    // ETag is the source's, which only a copy with the same boundaries reproduces.
    etagMismatchIsError: expected?.exact ?? false,
  });
  context.notes.push(
    verified.etag === "ok"
      ? "the upload had completed just before the interruption; its ETag matches the expected one"
      : "the upload had completed just before the interruption; verified by size and part count only (the ETag cannot be compared)",
  );
  return buildResult(context, {
    request: "multipart",
    size: plan.objectSize!,
    plan,
    etag: head.ETag ?? "",
    versionId: head.VersionId,
    summary: { parts: [], retries: 0, throttles: 0 },
    checksum: null,
    checksumType: null,
    verified,
    uploadId: header.uploadId,
    partsResumed: plan.partCount!,
    partsSent: 0,
  });
}

async function markCompleted(journalPath: string, result: TransferResult): Promise<TransferResult> {
  const journal = await Journal.append(journalPath);
  await journal.finish({ type: "completed", etag: result.etag, result });
  await journal.close();
  return result;
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
    ...(verdict.md5 ? { md5: verdict.md5 } : {}),
  };
}

/** Judges every planned part (see reconcilePart), notes what was adopted or redone, returns the done ones. */
function partsDone(
  context: TransferContext,
  plan: TransferPlan,
  journal: ParsedJournal,
  server: Map<number, ServerPart>,
  operation: "upload" | "copy",
  etagIsMd5: boolean,
  local: Map<number, LocalDigest> = new Map(),
): PartDone[] {
  const verdicts = [...partRanges(plan)].map((range) => {
    const recorded = journal.parts.get(range.partNumber);
    const held = server.get(range.partNumber);
    const digest = local.get(range.partNumber);
    return reconcilePart({
      range,
      ...(recorded ? { journal: recorded } : {}),
      ...(held ? { server: held } : {}),
      ...(digest ? { local: digest } : {}),
      etagIsMd5,
      operation,
    });
  });
  noteVerdicts(context, verdicts);
  return verdicts
    .filter((v): v is Extract<PartVerdict, { done: true }> => v.done)
    .map((v) => toPartDone(v, partRange(plan, v.partNumber).size));
}

function noteVerdicts(context: TransferContext, verdicts: PartVerdict[]): void {
  const adopted = verdicts.filter((v) => v.done && v.how === "adopted").length;
  const redone = verdicts.filter(
    (v): v is Extract<PartVerdict, { done: false }> => !v.done && v.why !== "not sent",
  );
  if (adopted)
    context.notes.push(
      `${adopted} part(s) found on the server but not in the journal were verified and kept`,
    );
  for (const v of redone.slice(0, 5)) context.notes.push(`part ${v.partNumber} sent again: ${v.why}`);
  if (redone.length > 5) context.notes.push(`… and ${redone.length - 5} more parts sent again`);
}

async function resumeUpload(
  journalPath: string,
  journal: ParsedJournal,
  common: UploadOptions & { contentMd5: boolean },
  location: { bucket: string; key: string; uploadId: string },
): Promise<TransferResult> {
  const { header } = journal;
  const source = header.source;
  if (source.kind !== "file") throw new UsageError("JOURNAL", "the journal's source is not a file");
  const now = await stat(source.path).catch(() => undefined);
  if (!now || now.size !== source.size || now.mtimeMs !== source.mtimeMs || now.ino !== source.ino) {
    const what = !now
      ? "is gone"
      : "was modified since the transfer started (size, modification time or inode differ)";
    throw new UsageError(
      "SOURCE_CHANGED",
      `the source file ${source.path} ${what}: resuming would mix old and new bytes; start over with "${restartHint(header)}"`,
    );
  }
  const options: UploadOptions = { ...common, source: source.path };
  const validated = validateCommonOptions(options);
  const plan = planFromJournal(header.plan);
  const context = { ...createContext("upload", options, validated, source.path), options };
  return runTransfer(context, async () => {
    const uploadId = await recordedUpload(context, header);
    const file = { path: source.path, size: source.size, mtimeMs: source.mtimeMs };
    const etagIsMd5 = !header.sseCustomerKeyMd5 && header.attributes.sse?.mode !== "aws:kms";
    const digest = async (range: PartRange): Promise<LocalDigest | undefined> => {
      const outcome: PartOutcome = await context.pool.run({
        ...(await context.taskBase()),
        kind: "digest-part",
        partNumber: range.partNumber,
        body: { type: "file", file, start: range.start, end: range.end },
        ...(context.algorithm ? { checksumAlgorithm: context.algorithm } : {}),
      });
      return outcome.ok
        ? { md5: outcome.md5!, ...(outcome.checksum ? { checksum: outcome.checksum } : {}) }
        : undefined;
    };
    const server = await serverParts(context, uploadId);
    if (!server) {
      const result = await completedBeforeInterruption(context, header, plan, async () => {
        if (!etagIsMd5) return undefined;
        const digests = await Promise.all([...partRanges(plan)].map(digest));
        if (digests.some((d) => !d)) return undefined;
        return { etag: multipartEtag(digests.map((d) => Buffer.from(d!.md5, "hex"))), exact: true };
      });
      return markCompleted(journalPath, result);
    }
    // Re-read every part the server has (I/O only) in the workers, then judge each one.
    const candidates = [...partRanges(plan)].filter((r) => server.get(r.partNumber)?.size === r.size);
    if (candidates.length > 0) {
      // Re-reading can take a while for a big file: say what is happening before the bar starts.
      context.events.emit({
        type: "note",
        message: `re-reading ${candidates.length} part(s) the server already has, to check them against ${source.path}`,
      });
    }
    const local = new Map<number, LocalDigest>();
    await Promise.all(
      candidates.map(async (range) => {
        const d = await digest(range);
        if (d) local.set(range.partNumber, d);
      }),
    );
    const done = partsDone(context, plan, journal, server, "upload", etagIsMd5, local);
    const skip = new Set(done.map((p) => p.partNumber));
    return runMultipart(context, {
      plan,
      size: source.size,
      attributes: header.attributes,
      jobs: (uploadId) => withUploadId(fileJobs(context, plan, file, skip), uploadId),
      resumed: { uploadId, journalPath, done },
      resumeCommand: `s3xfer resume s3://${location.bucket}/${location.key}`,
      expectations: (parts) => ({
        ...(header.contentMd5 && etagIsMd5 && parts.every((p) => p.md5)
          ? { etag: multipartEtag(parts.map((p) => Buffer.from(p.md5!, "hex"))) }
          : {}),
        etagMismatchIsError: true,
      }),
    });
  });
}

async function resumeCopy(
  journalPath: string,
  journal: ParsedJournal,
  common: CommonTransferOptions,
  options: ResumeOptions,
  location: { bucket: string; key: string; uploadId: string },
): Promise<TransferResult> {
  const { header } = journal;
  const recorded = header.source;
  if (recorded.kind !== "s3") throw new UsageError("JOURNAL", "the journal's source is not an S3 object");
  const validated = validateCommonOptions(common);
  const sourceUrl = `s3://${recorded.bucket}/${recorded.key}`;
  const base = createContext("copy", common, validated, sourceUrl);
  const sourceKey =
    options.sourceSseCustomerKey === undefined
      ? undefined
      : validateCommonOptions({ bucket: "b", key: "k", sseCustomerKey: options.sourceSseCustomerKey })
          .sseCustomer;
  const access: SourceAccess = { client: base.client, ...(sourceKey ? { sseCustomer: sourceKey } : {}) };
  const plan = planFromJournal(header.plan);
  const context = { ...base, options: common, access, attributes: header.attributes } as CopyContext;
  return runTransfer(context, async () => {
    const ref = {
      bucket: recorded.bucket,
      key: recorded.key,
      ...(recorded.versionId ? { versionId: recorded.versionId } : {}),
    };
    const head = await headSource(ref, access);
    if (head.ETag !== recorded.etag || head.ContentLength !== recorded.size) {
      throw new UsageError(
        "SOURCE_CHANGED",
        `the source ${sourceUrl} changed since the copy started (ETag ${recorded.etag} → ${head.ETag}): start over with "${restartHint(header)}"`,
      );
    }
    const source: SourceObject = {
      ...ref,
      size: recorded.size,
      etag: recorded.etag,
      head,
      layout: header.sourceLayout ?? "unknown",
    };
    context.source = source;
    const uploadId = await recordedUpload(context, header);
    const server = await serverParts(context, uploadId);
    if (!server) {
      const result = await completedBeforeInterruption(context, header, plan, async () =>
        // Same part count as the source: if the boundaries are the source's too, so is the ETag.
        etagPartCount(recorded.etag) === plan.partCount
          ? { etag: unquote(recorded.etag), exact: false }
          : undefined,
      );
      return markCompleted(journalPath, result);
    }
    const done = partsDone(context, plan, journal, server, "copy", false);
    const skip = new Set(done.map((p) => p.partNumber));
    return runMultipart(context, {
      plan,
      size: recorded.size,
      attributes: header.attributes,
      jobs: (uploadId) => withUploadId(copyJobs(context, plan, skip), uploadId),
      resumed: { uploadId, journalPath, done },
      resumeCommand: `s3xfer resume s3://${location.bucket}/${location.key}`,
      beforeComplete: (_parts, checksum, loc) => checkBeforeComplete(context, checksum, loc),
      expectations: (_parts, checksum) => expectationsFor(context, plan, checksum),
    });
  });
}
