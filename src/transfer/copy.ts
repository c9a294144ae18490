import { CopyObjectCommand } from "@aws-sdk/client-s3";
import { TransferError, UsageError } from "../errors.js";
import { partRanges, planCopy, type TransferPlan } from "../planner/index.js";
import { encodeCopySource } from "../s3/copy-source.js";
import { classifyError } from "../s3/error-class.js";
import {
  ownershipParams,
  ssecParams,
  writeParams,
  GIVEN_ONLY_ATTRIBUTES,
  type ObjectAttributes,
  type SseCustomerKey,
} from "../s3/object-attributes.js";
import {
  buildResult,
  createContext,
  runTransfer,
  startEvent,
  validateCommonOptions,
  type TransferContext,
} from "./context.js";
import {
  checkSourceUnchanged,
  describeSource,
  sourceTagging,
  type SourceAccess,
  type SourceObject,
  type SourceRef,
} from "./copy-source.js";
import { checksumTypeFor, ensureTags, headObject } from "./multipart.js";
import { resolveSseCustomerKey, type CommonTransferOptions } from "./options.js";
import type { TransferResult } from "./result.js";
import { PartProgress, type PartJob, type RunPartsSummary } from "./run-parts.js";
import { journalFor, pickAttributes, withUploadId } from "./upload.js";
import { runMultipart } from "./multipart-transfer.js";
import { journalHeader } from "./journal-header.js";
import type { JournalHeader } from "../journal/format.js";
import { unquote, verifyObject } from "./verify.js";
import { readChecksum } from "../s3/checksum-fields.js";

/** As aws-cli's --copy-props: what of the source the destination keeps. */
export type CopyProps = "none" | "metadata-directive" | "default";

export interface CopyOptions extends CommonTransferOptions {
  /** The source object; `versionId` pins a version. */
  source: SourceRef;
  /** COPY (default) keeps the source's metadata and content headers; REPLACE uses the ones given here. */
  metadataDirective?: "COPY" | "REPLACE";
  /** COPY (default) keeps the source's tags; REPLACE uses `tagging`. */
  taggingDirective?: "COPY" | "REPLACE";
  copyProps?: CopyProps;
  /** The key an SSE-C source was written with. */
  sourceSseCustomerKey?: Uint8Array | string;
  expectedSourceBucketOwner?: string;
}

export interface CopyContext extends TransferContext {
  options: CopyOptions;
  source: SourceObject;
  access: SourceAccess;
  attributes: ObjectAttributes;
}

/** Server-side copies take the server's time per part with no bytes flowing: allow long silences. */
const COPY_IDLE_TIMEOUT_MS = 15 * 60_000;

/**
 * Copies an object server-side: one CopyObject up to 5 GiB (single-part sources), otherwise a multipart
 * upload whose parts are UploadPartCopy requests run by the worker pool. Each part is pinned to the source's
 * ETag and version, the source is checked again before completing, and the result says what was verified.
 */
export async function copy(options: CopyOptions): Promise<TransferResult> {
  const validated = validateCommonOptions(options);
  const sourceSseCustomer = resolveSseCustomerKey(options.sourceSseCustomerKey, "SSE-C source key");
  checkDirectives(options);
  const base = createContext("copy", options, validated, sourceUrl(options.source), COPY_IDLE_TIMEOUT_MS);
  const access: SourceAccess = {
    client: base.client,
    ...(sourceSseCustomer ? { sseCustomer: sourceSseCustomer } : {}),
    ...(options.expectedSourceBucketOwner ? { expectedOwner: options.expectedSourceBucketOwner } : {}),
    ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
  };
  const context = { ...base, options, access } as CopyContext;
  return runTransfer(context, async () => {
    checkNotOntoItself(options);
    context.source = await describeSource(options.source, access, options.limits);
    context.attributes = await destinationAttributes(context);
    const plan = planCopy(context.source.size, {
      ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
      strictPartSize: options.strictPartSize ?? false,
      ...(options.multipartThreshold !== undefined ? { multipartThreshold: options.multipartThreshold } : {}),
      forceMultipart: options.forceMultipart ?? false,
      ...(context.source.partSizes ? { sourcePartSizes: context.source.partSizes } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    if (context.source.layout === "unknown") {
      context.notes.push(
        "the source's part layout could not be learned; parts planned by size (ETags will differ)",
      );
    }
    if (plan.kind !== "multipart") {
      const single = await copySingle(context, plan);
      if (single) return single;
      // CopyObject refused for this source (Ceph: SSE-KMS / SSE-C sources): the same copy, in parts.
      return copyMultipart(
        context,
        planCopy(context.source.size, {
          forceMultipart: true,
          ...(context.source.partSizes ? { sourcePartSizes: context.source.partSizes } : {}),
          ...(options.limits ? { limits: options.limits } : {}),
        }),
      );
    }
    return copyMultipart(context, plan);
  });
}

function sourceUrl(source: SourceRef): string {
  return `s3://${source.bucket}/${source.key}${source.versionId ? `?versionId=${source.versionId}` : ""}`;
}

function checkDirectives(options: CopyOptions): void {
  if (options.copyProps && !["none", "metadata-directive", "default"].includes(options.copyProps)) {
    throw new UsageError(
      "USAGE",
      `--copy-props "${options.copyProps}" is not known: use none, metadata-directive or default`,
    );
  }
  const replacing = options.metadataDirective === "REPLACE";
  const given = [
    "contentType",
    "contentEncoding",
    "contentLanguage",
    "contentDisposition",
    "cacheControl",
    "expires",
    "metadata",
  ] as const;
  if (!replacing && given.some((k) => options[k] !== undefined) && options.metadataDirective === "COPY") {
    throw new UsageError(
      "USAGE",
      "metadata or content headers were given with --metadata-directive COPY: use REPLACE to set them",
    );
  }
  if (options.taggingDirective === "COPY" && options.tagging !== undefined) {
    throw new UsageError(
      "USAGE",
      "--tagging was given with --tagging-directive COPY: use REPLACE to set tags",
    );
  }
}

/** S3 refuses a copy onto itself that changes nothing; so do we, before sending anything. */
function checkNotOntoItself(options: CopyOptions): void {
  const same = options.source.bucket === options.bucket && options.source.key === options.key;
  if (!same || options.source.versionId) return;
  const changes =
    options.metadataDirective === "REPLACE" ||
    options.taggingDirective === "REPLACE" ||
    options.storageClass !== undefined ||
    options.sse !== undefined ||
    options.sseCustomerKey !== undefined;
  if (!changes) {
    throw new UsageError(
      "USAGE",
      `copying s3://${options.bucket}/${options.key} onto itself without changing anything does nothing: ` +
        "change the metadata (--metadata-directive REPLACE), the storage class or the encryption, or name another destination",
    );
  }
}

/**
 * What the destination is: the source's metadata, content headers, storage class and tags unless told
 * otherwise (aws-cli's --copy-props default), and the encryption asked for (never the source's).
 */
async function destinationAttributes(context: CopyContext): Promise<ObjectAttributes> {
  const { options, source } = context;
  const props = options.copyProps ?? "default";
  const head = source.head;
  const given = pickAttributes(options);
  const attributes: ObjectAttributes = {};
  if (options.metadataDirective === "REPLACE" || props === "none") {
    Object.assign(attributes, given);
  } else {
    if (head.ContentType) attributes.contentType = head.ContentType;
    if (head.ContentEncoding) attributes.contentEncoding = head.ContentEncoding;
    if (head.ContentLanguage) attributes.contentLanguage = head.ContentLanguage;
    if (head.ContentDisposition) attributes.contentDisposition = head.ContentDisposition;
    if (head.CacheControl) attributes.cacheControl = head.CacheControl;
    if (head.Expires) attributes.expires = head.Expires;
    if (head.Metadata && Object.keys(head.Metadata).length > 0) attributes.metadata = head.Metadata;
  }
  delete attributes.tagging;
  if (options.taggingDirective === "REPLACE") {
    if (options.tagging) attributes.tagging = options.tagging;
  } else if (props === "default") {
    const tags = await sourceTagging(source, context.access);
    if (tags) attributes.tagging = tags;
  }
  const storageClass =
    options.storageClass ??
    (head.StorageClass && head.StorageClass !== "STANDARD" ? head.StorageClass : undefined);
  if (storageClass) attributes.storageClass = storageClass;
  if (options.acl) attributes.acl = options.acl;
  if (options.sse) attributes.sse = options.sse;
  for (const key of GIVEN_ONLY_ATTRIBUTES)
    if (given[key] !== undefined) Object.assign(attributes, { [key]: given[key] });
  return attributes;
}

function etagsComparable(context: CopyContext): boolean {
  // Encrypted objects (SSE-KMS, SSE-C) have ETags that are not MD5s of their bytes, on either side.
  const sourceEncrypted =
    context.source.head.ServerSideEncryption === "aws:kms" || !!context.source.head.SSECustomerAlgorithm;
  return !sourceEncrypted && !context.dest.sseCustomer && context.attributes.sse?.mode !== "aws:kms";
}

/** One CopyObject; undefined when the server will not CopyObject this source (then copy in parts). */
async function copySingle(context: CopyContext, plan: TransferPlan): Promise<TransferResult | undefined> {
  const { options, source, dest, events, concurrency } = context;
  const progress = new PartProgress(1);
  events.emit(startEvent(context, plan, source.size, "single"));
  events.track(progress, () => ({ totalBytes: source.size, partCount: 1 }), concurrency);
  let response;
  try {
    response = await dest.client.send(
      new CopyObjectCommand({
        Bucket: dest.bucket,
        Key: dest.key,
        CopySource: encodeCopySource(source),
        CopySourceIfMatch: source.etag,
        ...writeParams(context.attributes),
        // Always REPLACE: the attributes above already are the source's where they should be, and
        // REPLACE is what lets a same-key copy change its storage class or encryption.
        MetadataDirective: "REPLACE",
        TaggingDirective: "REPLACE",
        ...ssecParams(dest.sseCustomer),
        ...copySourceSsec(context.access.sseCustomer),
        ...(options.expectedSourceBucketOwner
          ? { ExpectedSourceBucketOwner: options.expectedSourceBucketOwner }
          : {}),
        ...ownershipParams(dest.ownership),
      }),
      options.signal ? { abortSignal: options.signal } : {},
    );
  } catch (error) {
    const info = classifyError(error);
    if (info.httpStatus === 501) {
      events.stop();
      context.notes.push("the server refused CopyObject for this source (501); copied in parts instead");
      events.emit({ type: "note", message: context.notes[context.notes.length - 1]! });
      return undefined;
    }
    throw error;
  }
  progress.completedBytes = source.size;
  progress.partsDone = 1;
  events.stop(progress, { totalBytes: source.size, partCount: 1 }, concurrency);
  const etag = response.CopyObjectResult?.ETag ?? "";
  const versionId = response.VersionId;
  const head = await headObject(dest, versionId);
  if (context.attributes.sse?.mode === "aws:kms" && head.ServerSideEncryption !== "aws:kms") {
    // This Ceph accepts SSE-KMS on CopyObject and ignores it. An unencrypted copy is not what was asked:
    // copy again in parts, where the encryption is set at CreateMultipartUpload (and the result checked).
    context.notes.push("the server ignored SSE-KMS on CopyObject; copied in parts instead");
    events.emit({ type: "note", message: context.notes[context.notes.length - 1]! });
    return undefined;
  }
  const tagNote = await ensureTags(dest, versionId, context.attributes.tagging);
  if (tagNote) context.notes.push(tagNote.replace("CreateMultipartUpload", "CopyObject"));
  const sourceChecksum = context.algorithm ? readChecksum(context.algorithm, source.head) : undefined;
  const verified = verifyObject(head, {
    bucket: dest.bucket,
    key: dest.key,
    size: source.size,
    algorithm: context.algorithm,
    checksum: sourceChecksum ?? null,
    ...(etagsComparable(context) ? { etag: unquote(source.etag) } : {}),
    // A single-part source's ETag is its MD5 and must carry over; a multipart source's ETag may be
    // recomputed by CopyObject (AWS makes it the MD5 of the whole object; Ceph keeps it).
    etagMismatchIsError: source.layout === "single",
  });
  if (verified.etag === "differs") {
    context.notes.push("CopyObject gave the copy a new ETag (the source is multipart); size verified");
  }
  const summary: RunPartsSummary = {
    parts: [{ ok: true, partNumber: 1, etag, bytes: source.size, durationMs: 0, attempts: 1 }],
    retries: 0,
    throttles: 0,
  };
  return buildResult(context, {
    request: "single",
    size: source.size,
    plan,
    etag: head.ETag ?? etag,
    versionId: versionId ?? head.VersionId,
    summary,
    checksum: sourceChecksum ?? null,
    checksumType: null,
    verified,
  });
}

/**
 * A part that failed for good (412 on the pin, 416 past a shrunk source, 404) is often the source having
 * changed: say that, since it is what the user must know, rather than the part's symptom.
 */
async function sourceChangeBehind(
  context: CopyContext,
  error: unknown,
  location: { bucket: string; key: string; uploadId: string },
): Promise<unknown> {
  if (!(error instanceof TransferError) || error.code === "SOURCE_CHANGED" || error.partNumber === undefined)
    return error;
  try {
    await checkSourceUnchanged(context.source, context.access, location);
    return error;
  } catch (changed) {
    return changed;
  }
}

/** The source's full-object checksum in the destination's algorithm, when it has one (not composite). */
function sourceFullObjectChecksum(context: CopyContext): string | undefined {
  const { algorithm, source } = context;
  if (!algorithm || checksumTypeFor(algorithm) !== "FULL_OBJECT") return undefined;
  const value = readChecksum(algorithm, source.head);
  return value && !value.includes("-") ? value : undefined;
}

function copySourceSsec(key: SseCustomerKey | undefined) {
  return key
    ? { CopySourceSSECustomerAlgorithm: "AES256", CopySourceSSECustomerKey: key.key as unknown as string }
    : {};
}

export function* copyJobs(
  context: CopyContext,
  plan: TransferPlan,
  skip: ReadonlySet<number> = new Set(),
): Generator<PartJob> {
  const { source } = context;
  const pinned = {
    bucket: source.bucket,
    key: source.key,
    ...(source.versionId ? { versionId: source.versionId } : {}),
    ...(source.etag ? { etag: source.etag } : {}),
  };
  for (const range of partRanges(plan)) {
    if (skip.has(range.partNumber)) continue;
    yield {
      partNumber: range.partNumber,
      bytes: range.size,
      task: async (progress) => ({
        ...(await context.taskBase()),
        kind: "copy-part",
        uploadId: "",
        partNumber: range.partNumber,
        source: pinned,
        start: range.start,
        end: range.end,
        ...(context.dest.sseCustomer ? { sseCustomer: context.dest.sseCustomer } : {}),
        ...(context.access.sseCustomer ? { sourceSseCustomer: context.access.sseCustomer } : {}),
        ...(context.options.expectedSourceBucketOwner
          ? { expectedSourceBucketOwner: context.options.expectedSourceBucketOwner }
          : {}),
        progress,
      }),
    };
  }
}

async function copyMultipart(context: CopyContext, plan: TransferPlan): Promise<TransferResult> {
  const { options, source } = context;
  const journalPath = await journalFor(options);
  return runMultipart(context, {
    plan,
    size: source.size,
    attributes: context.attributes,
    jobs: (uploadId) => withUploadId(copyJobs(context, plan), uploadId),
    ...(journalPath
      ? {
          journal: {
            path: journalPath,
            header: (uploadId: string) => copyJournalHeader(context, plan, uploadId),
          },
        }
      : {}),
    resumeCommand: `s3xfer resume s3://${options.bucket}/${options.key}`,
    beforeComplete: (_parts, checksum, location) => checkBeforeComplete(context, checksum, location),
    diagnose: (error, location) => sourceChangeBehind(context, error, location),
    expectations: (_parts, checksum) => expectationsFor(context, plan, checksum),
    afterVerify: (result) => {
      if (result.verified.etag === "differs") {
        result.notes.push(
          "the destination ETag differs from the source's: the inferred part layout was not the source's (the bytes are the same)",
        );
      }
    },
  });
}

export function copyJournalHeader(context: CopyContext, plan: TransferPlan, uploadId: string): JournalHeader {
  const { source } = context;
  return journalHeader(
    context,
    "copy",
    {
      kind: "s3",
      bucket: source.bucket,
      key: source.key,
      ...(source.versionId ? { versionId: source.versionId } : {}),
      etag: source.etag,
      size: source.size,
    },
    plan,
    uploadId,
    context.attributes,
    { sourceLayout: source.layout },
  );
}

/**
 * Some servers (this Ceph) ignore the if-match pin on UploadPartCopy: look at the source again before
 * completing. And where the server returned part checksums and the source has a full-object value, they
 * must combine to it — a copy that does not match its source is never completed.
 */
export async function checkBeforeComplete(
  context: CopyContext,
  checksum: string | null,
  location: { bucket: string; key: string; uploadId: string },
): Promise<void> {
  await checkSourceUnchanged(context.source, context.access, location);
  const sourceFull = sourceFullObjectChecksum(context);
  if (checksum && sourceFull && checksum !== sourceFull) {
    throw new TransferError(
      "VERIFICATION_FAILED",
      `the copied parts' ${context.algorithm} values combine to ${checksum}, but the source's is ${sourceFull}`,
      location,
    );
  }
}

export function expectationsFor(context: CopyContext, plan: TransferPlan, checksum: string | null) {
  const sameLayout = plan.layout === "source";
  return {
    // Compare our combined part values with the server's, else the source's own full-object value.
    checksum: checksum ?? sourceFullObjectChecksum(context) ?? null,
    ...(sameLayout && etagsComparable(context) ? { etag: unquote(context.source.etag) } : {}),
    // With a layout the server reported, equal boundaries must give an equal ETag; an inferred one may be off.
    etagMismatchIsError: context.source.layout === "server",
  };
}
