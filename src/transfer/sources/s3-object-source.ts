/**
 * An S3 object copied server-side: one CopyObject up to 5 GiB, otherwise UploadPartCopy parts run by the
 * worker pool, each pinned to the source's ETag and version, with the source checked again before Complete.
 */
import { TransferError, UsageError } from "../../errors.js";
import { isFullObjectCapable } from "../../checksum/index.js";
import type { PartDone, PartJob } from "../../engine/run-parts.js";
import type { JournalHeader, ParsedJournal } from "../../journal/format.js";
import {
  partRanges,
  planCopy,
  etagPartCount,
  type TransferPlan,
  type S3Limits,
} from "../../planner/index.js";
import { readChecksum } from "../../s3/checksum-fields.js";
import type { ServerPart } from "../../s3/multipart-requests.js";
import type { CopySourceConditions } from "../../s3/object-requests.js";
import type { ObjectAttributes, SseCustomerKey } from "../../s3/object-attributes.js";
import type { TransferContext } from "../job-context.js";
import { reconcileParts } from "../reconcile.js";
import type { TransferResult } from "../result.js";
import { unquote } from "../verify.js";
import { copyInOneRequest } from "./copy-single.js";
import type { CompletedExpectations, SourceExpectations, TransferSource, UploadLocation } from "./source.js";
import { checkSourceUnchanged, headSource, type SourceAccess, type SourceObject } from "./source-object.js";

export class S3ObjectSource implements TransferSource {
  readonly name: string;
  private plan_: TransferPlan;

  constructor(
    readonly object: SourceObject,
    readonly access: SourceAccess,
    plan: TransferPlan,
    readonly attributes: ObjectAttributes,
    readonly expectedSourceBucketOwner: string | undefined,
    private readonly limits: Partial<S3Limits> | undefined,
    /** The caller's copy-source preconditions, sent on every CopyObject / UploadPartCopy. */
    readonly sourceConditions?: CopySourceConditions,
  ) {
    this.plan_ = plan;
    this.name = `s3://${object.bucket}/${object.key}${object.versionId ? `?versionId=${object.versionId}` : ""}`;
  }

  /** The source a journal recorded, refused if it changed since (ETag or size). */
  static async fromJournal(
    header: JournalHeader,
    plan: TransferPlan,
    attributes: ObjectAttributes,
    access: SourceAccess,
  ): Promise<S3ObjectSource> {
    const recorded = header.source;
    if (recorded.kind !== "s3") throw new UsageError("JOURNAL", "the journal's source is not an S3 object");
    const ref = {
      bucket: recorded.bucket,
      key: recorded.key,
      ...(recorded.versionId ? { versionId: recorded.versionId } : {}),
    };
    const head = await headSource(ref, access);
    if (head.ETag !== recorded.etag || head.ContentLength !== recorded.size) {
      throw new UsageError(
        "SOURCE_CHANGED",
        `the source s3://${recorded.bucket}/${recorded.key} changed since the copy started (ETag ${recorded.etag} → ${head.ETag}): ` +
          `start over with "s3xfer resume --restart s3://${header.destination.bucket}/${header.destination.key}"`,
      );
    }
    const object: SourceObject = {
      ...ref,
      size: recorded.size,
      etag: recorded.etag,
      head,
      layout: header.sourceLayout ?? "unknown",
    };
    return new S3ObjectSource(object, access, plan, attributes, access.expectedOwner, undefined);
  }

  get plan(): TransferPlan {
    return this.plan_;
  }

  size(): number {
    return this.object.size;
  }

  /** A note on the result, said at once too (it explains a change of course the user sees). */
  note(context: TransferContext, message: string): void {
    context.notes.push(message);
    context.events.emit({ type: "note", message });
  }

  async single(context: TransferContext): Promise<TransferResult | undefined> {
    if (this.plan_.kind === "multipart") return undefined;
    const result = await copyInOneRequest(context, this, this.plan_);
    if (result) return result;
    // CopyObject refused or ignored what was asked for this source (this Ceph: SSE-C, SSE-KMS): in parts.
    this.plan_ = planCopy(this.object.size, {
      forceMultipart: true,
      ...(this.object.partSizes ? { sourcePartSizes: this.object.partSizes } : {}),
      ...(this.limits ? { limits: this.limits } : {}),
    });
    return undefined;
  }

  /** Encrypted objects (SSE-KMS, SSE-C) have ETags that are not MD5s of their bytes, on either side. */
  etagsComparable(context: TransferContext): boolean {
    const head = this.object.head;
    const sourceEncrypted = head.ServerSideEncryption === "aws:kms" || !!head.SSECustomerAlgorithm;
    return !sourceEncrypted && !context.target.sseCustomer && this.attributes.sse?.mode !== "aws:kms";
  }

  *partJobs(context: TransferContext, uploadId: string, skip: ReadonlySet<number>): Generator<PartJob> {
    const { object } = this;
    const pinned = {
      bucket: object.bucket,
      key: object.key,
      ...(object.versionId ? { versionId: object.versionId } : {}),
      ...(object.etag ? { etag: object.etag } : {}),
    };
    const sourceKey: SseCustomerKey | undefined = this.access.sseCustomer;
    for (const range of partRanges(this.plan_)) {
      if (skip.has(range.partNumber)) continue;
      yield {
        partNumber: range.partNumber,
        bytes: range.size,
        task: async (progress) => ({
          ...(await context.taskBase()),
          kind: "copy-part",
          uploadId,
          partNumber: range.partNumber,
          source: pinned,
          start: range.start,
          end: range.end,
          ...(context.target.sseCustomer ? { sseCustomer: context.target.sseCustomer } : {}),
          ...(sourceKey ? { sourceSseCustomer: sourceKey } : {}),
          ...(this.expectedSourceBucketOwner
            ? { expectedSourceBucketOwner: this.expectedSourceBucketOwner }
            : {}),
          ...(this.sourceConditions ? { sourceConditions: this.sourceConditions } : {}),
          progress,
        }),
      };
    }
  }

  journalValues() {
    const { object } = this;
    return {
      source: {
        kind: "s3" as const,
        bucket: object.bucket,
        key: object.key,
        ...(object.versionId ? { versionId: object.versionId } : {}),
        etag: object.etag,
        size: object.size,
      },
      contentMd5: false,
      sourceLayout: object.layout,
    };
  }

  /** The source's full-object checksum in the destination's algorithm, when it has one (not composite). */
  private sourceFullObjectChecksum(context: TransferContext): string | undefined {
    const { algorithm } = context;
    if (!algorithm || !isFullObjectCapable(algorithm)) return undefined;
    const value = readChecksum(algorithm, this.object.head);
    return value && !value.includes("-") && this.object.head.ChecksumType !== "COMPOSITE" ? value : undefined;
  }

  /**
   * Some servers (this Ceph) ignore the if-match pin on UploadPartCopy: look at the source again before
   * completing. And where the server returned part checksums and the source has a full-object value, they
   * must combine to it — a copy that does not match its source is never completed.
   */
  async beforeComplete(
    context: TransferContext,
    _parts: PartDone[],
    checksum: string | null,
    location: UploadLocation,
  ): Promise<void> {
    await checkSourceUnchanged(this.object, this.access, location);
    const sourceFull = this.sourceFullObjectChecksum(context);
    if (checksum && sourceFull && checksum !== sourceFull) {
      throw new TransferError(
        "VERIFICATION_FAILED",
        `the copied parts' ${context.algorithm} values combine to ${checksum}, but the source's is ${sourceFull}`,
        location,
      );
    }
  }

  expectations(context: TransferContext, _parts: PartDone[], checksum: string | null): SourceExpectations {
    const sameLayout = this.plan_.layout === "source";
    return {
      // Compare our combined part values with the server's, else the source's own full-object value.
      checksum: checksum ?? this.sourceFullObjectChecksum(context) ?? null,
      ...(sameLayout && this.etagsComparable(context) ? { etag: unquote(this.object.etag) } : {}),
      // With a layout the server reported, equal boundaries must give an equal ETag; an inferred one may be off.
      etagMismatchIsError: this.object.layout === "server",
    };
  }

  afterVerify(result: TransferResult): void {
    if (result.verified.etag === "differs") {
      result.notes.push(
        "the destination ETag differs from the source's: the inferred part layout was not the source's (the bytes are the same)",
      );
    }
  }

  /**
   * A part that failed for good (412 on the pin, 416 past a shrunk source, 404) is often the source having
   * changed: say that, since it is what the user must know, rather than the part's symptom.
   */
  async diagnose(_context: TransferContext, error: unknown, location: UploadLocation): Promise<unknown> {
    if (
      !(error instanceof TransferError) ||
      error.code === "SOURCE_CHANGED" ||
      error.partNumber === undefined
    )
      return error;
    try {
      await checkSourceUnchanged(this.object, this.access, location);
      return error;
    } catch (changed) {
      return changed instanceof TransferError && changed.code === "SOURCE_CHANGED" ? changed : error;
    }
  }

  reconcile(
    context: TransferContext,
    journal: ParsedJournal,
    server: Map<number, ServerPart>,
  ): Promise<PartDone[]> {
    return Promise.resolve(
      reconcileParts(context, this.plan_, journal, server, { operation: "copy", etagIsMd5: false }),
    );
  }

  completedExpectations(): Promise<CompletedExpectations | undefined> {
    // Same part count as the source: if the boundaries are the source's too, so is the ETag.
    return Promise.resolve(
      etagPartCount(this.object.etag) === this.plan_.partCount
        ? { etag: unquote(this.object.etag), exact: false }
        : undefined,
    );
  }
}

/** The caller's preconditions on a copy's source (CLI --copy-source-if-*), as CopyOptions takes them. */
export interface CopySourcePreconditions {
  /** The source's ETag must be this one (quotes optional). */
  ifMatch?: string;
  /** The source's ETag must not be this one. */
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

/**
 * Checks the caller's preconditions against the source's HEAD, before anything is written, as S3 would
 * judge them (AWS: if-match true makes if-unmodified-since moot; if-none-match false makes if-modified-since
 * moot). Returns what to send on each copy request: if-match is the automatic pin, already sent.
 */
export function checkCopyPreconditions(
  object: SourceObject,
  given: CopySourcePreconditions | undefined,
): CopySourceConditions | undefined {
  if (!given) return undefined;
  const url = `s3://${object.bucket}/${object.key}`;
  const etag = unquote(object.etag);
  const modified = object.head.LastModified?.getTime();
  const fail = (why: string): never => {
    throw new TransferError("TRANSFER_FAILED", `precondition failed: ${why}; nothing was copied`, {
      bucket: object.bucket,
      key: object.key,
    });
  };
  if (given.ifMatch !== undefined && unquote(given.ifMatch) !== etag)
    fail(`the source ${url} has ETag ${etag}, not ${unquote(given.ifMatch)} (copy-source-if-match)`);
  if (given.ifNoneMatch !== undefined && unquote(given.ifNoneMatch) === etag)
    fail(`the source ${url} has ETag ${etag} (copy-source-if-none-match)`);
  const at = (d: Date) => d.toISOString();
  if (
    given.ifUnmodifiedSince &&
    given.ifMatch === undefined &&
    modified !== undefined &&
    modified > given.ifUnmodifiedSince.getTime()
  )
    fail(
      `the source ${url} was modified at ${at(new Date(modified))}, after ${at(given.ifUnmodifiedSince)} (copy-source-if-unmodified-since)`,
    );
  if (
    given.ifModifiedSince &&
    given.ifNoneMatch === undefined &&
    modified !== undefined &&
    modified <= given.ifModifiedSince.getTime()
  )
    fail(
      `the source ${url} was last modified at ${at(new Date(modified))}, not after ${at(given.ifModifiedSince)} (copy-source-if-modified-since)`,
    );
  return {
    ...(given.ifNoneMatch !== undefined ? { ifNoneMatch: given.ifNoneMatch } : {}),
    ...(given.ifModifiedSince ? { ifModifiedSince: given.ifModifiedSince.getTime() } : {}),
    ...(given.ifUnmodifiedSince ? { ifUnmodifiedSince: given.ifUnmodifiedSince.getTime() } : {}),
  };
}
