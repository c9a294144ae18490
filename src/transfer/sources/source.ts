import type { SourceIdentity, ParsedJournal } from "../../journal/format.js";
import type { HeaderValues } from "../../journal/header.js";
import type { TransferPlan } from "../../planner/index.js";
import type { PartDone, PartJob } from "../../engine/run-parts.js";
import type { ServerPart } from "../../s3/multipart-requests.js";
import type { ObjectAttributes } from "../../s3/object-attributes.js";
import type { TransferContext } from "../job-context.js";
import type { TransferResult } from "../result.js";
import type { Expectations } from "../verify.js";

export type UploadLocation = { bucket: string; key: string; uploadId: string };

/** What the finished object must match beyond its size, as a source knows it. */
export type SourceExpectations = Pick<Expectations, "etag" | "etagMismatchIsError"> & {
  /** Overrides the checksum combined from the parts (a copy may know the source's own value). */
  checksum?: string | null;
};

/**
 * One kind of thing to transfer (a file, a stream, an S3 object). The job runs the lifecycle — journal,
 * create, parts, complete or abort, verify, result — and asks the source only what differs between kinds.
 */
export interface TransferSource {
  /** For events and messages: a path, "(stream)", or "s3://bucket/key". */
  readonly name: string;
  /** The plan as it stands (a source may switch to multipart when a single request is refused). */
  readonly plan: TransferPlan;
  /** The destination object's attributes (content type, metadata, tags, …). */
  readonly attributes: ObjectAttributes;
  /** Size in bytes; null for a stream until it has ended. */
  size(): number | null;

  /** Sends the whole object in one request, or returns undefined to be sent in parts after all. */
  single(context: TransferContext): Promise<TransferResult | undefined>;

  /** The part requests still to make for this upload, skipping the parts in `skip`. */
  partJobs(
    context: TransferContext,
    uploadId: string,
    skip: ReadonlySet<number>,
  ): Iterable<PartJob> | AsyncIterable<PartJob>;
  /** A part was sent (a stream reuses its buffer). */
  partSent?(partNumber: number): void;

  /** What the journal header records of this source; undefined: not resumable (a stream). */
  journalValues?(context: TransferContext): Pick<HeaderValues, "source" | "contentMd5" | "sourceLayout">;

  /** Last checks before CompleteMultipartUpload (a copy: the source is unchanged). */
  beforeComplete?(
    context: TransferContext,
    parts: PartDone[],
    checksum: string | null,
    location: UploadLocation,
  ): Promise<void>;
  expectations(context: TransferContext, parts: PartDone[], checksum: string | null): SourceExpectations;
  /** Notes on the result once it is verified. */
  afterVerify?(result: TransferResult): void;
  /** The real cause behind a failure, when it is not the failing part's symptom (a copy: the source changed). */
  diagnose?(context: TransferContext, error: unknown, location: UploadLocation): Promise<unknown>;

  /**
   * Resume: which planned parts are really done, judging the journal's record and the server's parts
   * against the source (see reconcilePart).
   */
  reconcile(
    context: TransferContext,
    journal: ParsedJournal,
    server: Map<number, ServerPart>,
  ): Promise<PartDone[]>;
  /**
   * Resume of an upload that is gone: what the object would be if it completed just before the crash — its
   * ETag (exact: a mismatch means other bytes) and its checksum, where they can be known.
   */
  completedExpectations(context: TransferContext): Promise<CompletedExpectations | undefined>;
}

export interface CompletedExpectations {
  etag?: string;
  /** A differing ETag means other bytes (not merely other part boundaries). */
  exact?: boolean;
  /** The object checksum in the transfer's algorithm (full-object or composite). */
  checksum?: string;
}

/** Everything a source needs to be rebuilt from a journal. */
export interface SourceFromJournal {
  header: import("../../journal/format.js").JournalHeader;
  sourceSseCustomerKey?: Uint8Array | string;
}

export type { SourceIdentity };
