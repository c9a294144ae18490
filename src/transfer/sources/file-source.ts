/** A local file: read, checksummed and sent part by part by the workers; resumable from its journal. */
import { access, constants, stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { multipartEtag } from "../../checksum/index.js";
import { UsageError } from "../../errors.js";
import type { PartDone, PartJob } from "../../engine/run-parts.js";
import type { FileSourceIdentity, JournalHeader, ParsedJournal } from "../../journal/format.js";
import { partRanges, type PartRange, type TransferPlan } from "../../planner/index.js";
import type { ServerPart } from "../../s3/multipart-requests.js";
import type { ObjectAttributes } from "../../s3/object-attributes.js";
import type { PartOutcome } from "../../workers/tasks.js";
import type { TransferContext } from "../job-context.js";
import { reconcileParts, type LocalDigest } from "../reconcile.js";
import type { TransferResult } from "../result.js";
import type { CompletedExpectations, SourceExpectations, TransferSource } from "./source.js";
import { objectChecksum } from "../part-checksums.js";
import { contentMd5Advice, etagIsMd5, md5Expectations, putObject, uploadPartJob } from "./upload-requests.js";

/** Checks the path names a readable regular file, and records what it is now (to notice a change later). */
export async function fileIdentity(path: string): Promise<FileSourceIdentity> {
  const absolute = resolvePath(path);
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : `cannot be read (${code})`;
    throw new UsageError("SOURCE_NOT_FOUND", `source file ${path} ${why}: check the path`);
  }
  if (info.isDirectory()) {
    throw new UsageError("USAGE", `source ${path} is a directory: s3xfer cp uploads one file; name a file`);
  }
  if (!info.isFile()) {
    throw new UsageError(
      "USAGE",
      `source ${path} is not a regular file: for a pipe or device use "-" and stdin`,
    );
  }
  try {
    await access(absolute, constants.R_OK);
  } catch {
    throw new UsageError(
      "SOURCE_UNREADABLE",
      `source file ${path} cannot be read (permission denied): check its permissions, or run as a user who can read it`,
    );
  }
  return {
    kind: "file",
    path: absolute,
    size: info.size,
    mtimeMs: info.mtimeMs,
    ino: info.ino,
    dev: info.dev,
  };
}

export class FileSource implements TransferSource {
  readonly name: string;

  constructor(
    readonly file: FileSourceIdentity,
    readonly plan: TransferPlan,
    readonly attributes: ObjectAttributes,
    private readonly contentMd5: boolean,
  ) {
    this.name = file.path;
  }

  /** The file a journal recorded, refused if it changed since (its bytes would no longer match the parts). */
  static async fromJournal(
    header: JournalHeader,
    plan: TransferPlan,
    attributes: ObjectAttributes,
  ): Promise<FileSource> {
    const source = header.source;
    if (source.kind !== "file") throw new UsageError("JOURNAL", "the journal's source is not a file");
    const now = await stat(source.path).catch(() => undefined);
    if (!now || now.size !== source.size || now.mtimeMs !== source.mtimeMs || now.ino !== source.ino) {
      const what = !now
        ? "is gone"
        : "was modified since the transfer started (size, modification time or inode differ)";
      throw new UsageError(
        "SOURCE_CHANGED",
        `the source file ${source.path} ${what}: resuming would mix old and new bytes; start over with ` +
          `"s3xfer resume --restart s3://${header.destination.bucket}/${header.destination.key}"`,
      );
    }
    return new FileSource(source, plan, attributes, header.contentMd5);
  }

  size(): number {
    return this.file.size;
  }

  async single(context: TransferContext): Promise<TransferResult | undefined> {
    if (this.plan.kind === "multipart") return undefined;
    return putObject(
      context,
      this,
      this.plan,
      { type: "file", file: this.file, start: 0, end: this.file.size },
      this.contentMd5,
    );
  }

  *partJobs(context: TransferContext, uploadId: string, skip: ReadonlySet<number>): Generator<PartJob> {
    for (const range of partRanges(this.plan)) {
      if (skip.has(range.partNumber)) continue;
      const body = { type: "file" as const, file: this.file, start: range.start, end: range.end };
      yield uploadPartJob(context, uploadId, range.partNumber, body, this.contentMd5);
    }
  }

  journalValues() {
    return { source: this.file, contentMd5: this.contentMd5 };
  }

  afterVerify(result: TransferResult): void {
    contentMd5Advice(result, this.contentMd5);
  }

  expectations(context: TransferContext, parts: PartDone[]): SourceExpectations {
    return md5Expectations(context, this.attributes, this.contentMd5, parts);
  }

  /** Re-reads a part of the file in a worker (I/O only, no network) and returns its digests. */
  private async digest(context: TransferContext, range: PartRange): Promise<LocalDigest | undefined> {
    const outcome: PartOutcome = await context.runner.run({
      ...(await context.taskBase()),
      kind: "digest-part",
      partNumber: range.partNumber,
      body: { type: "file", file: this.file, start: range.start, end: range.end },
      ...(context.algorithm ? { checksumAlgorithm: context.algorithm } : {}),
    });
    return outcome.ok
      ? { md5: outcome.md5!, ...(outcome.checksum ? { checksum: outcome.checksum } : {}) }
      : undefined;
  }

  async reconcile(
    context: TransferContext,
    journal: ParsedJournal,
    server: Map<number, ServerPart>,
  ): Promise<PartDone[]> {
    // Re-read every part the server has, then judge each one: a part is trusted only if its bytes still match.
    const candidates = [...partRanges(this.plan)].filter((r) => server.get(r.partNumber)?.size === r.size);
    if (candidates.length > 0) {
      // Re-reading can take a while for a big file: say what is happening before the bar starts.
      context.events.emit({
        type: "note",
        message: `re-reading ${candidates.length} part(s) the server already has, to check them against ${this.file.path}`,
      });
    }
    const local = new Map<number, LocalDigest>();
    await Promise.all(
      candidates.map(async (range) => {
        const d = await this.digest(context, range);
        if (d) local.set(range.partNumber, d);
      }),
    );
    return reconcileParts(context, this.plan, journal, server, {
      operation: "upload",
      etagIsMd5: etagIsMd5(context, this.attributes),
      local,
    });
  }

  async completedExpectations(context: TransferContext): Promise<CompletedExpectations | undefined> {
    // The file's parts, re-read: their MD5s give the multipart ETag, their checksums the object's.
    const ranges = [...partRanges(this.plan)];
    const digests = await Promise.all(ranges.map((range) => this.digest(context, range)));
    if (digests.some((d) => !d)) return undefined;
    const checksum = objectChecksum(
      context.algorithm,
      digests.map((d, i) => ({ checksum: d!.checksum, bytes: ranges[i]!.size })),
    );
    return {
      ...(etagIsMd5(context, this.attributes)
        ? { etag: multipartEtag(digests.map((d) => Buffer.from(d!.md5, "hex"))), exact: true }
        : {}),
      ...(checksum ? { checksum } : {}),
    };
  }
}
