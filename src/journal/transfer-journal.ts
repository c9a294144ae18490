/**
 * The whole life of one transfer's journal: refusing to start over an unfinished transfer, the header
 * written before CreateMultipartUpload, the upload id, a line per finished part, and the end — completed,
 * aborted (only once the abort really happened), or kept for resume. Everything else in s3xfer goes through
 * this class; nothing else opens journal files for writing.
 */
import { rm } from "node:fs/promises";
import { TransferError, UsageError } from "../errors.js";
import {
  JournalFormatError,
  type JournalEnd,
  type JournalHeader,
  type JournalPart,
  type ParsedJournal,
} from "./format.js";
import { JournalFile } from "./journal-file.js";
import { defaultJournalPath } from "./location.js";
import { TransferLock } from "./transfer-lock.js";

/**
 * A new transfer refused because an unfinished one to the same destination is recorded (its multipart upload
 * is still on the server and would be orphaned). `reason` is the fact alone; the message adds the library's
 * ways out, and the CLI replaces them with its commands.
 */
export class UnfinishedTransferError extends TransferError {
  declare readonly journalPath: string;

  constructor(
    readonly reason: string,
    destination: { bucket: string; key: string },
    journalPath: string,
  ) {
    super(
      "USAGE",
      `${reason}: continue it with resume({ bucket, key }) (or onUnfinished: "resume" when the source is the same), ` +
        `start over with onUnfinished: "restart", or drop it with abortTransfer({ journalPath })`,
      { bucket: destination.bucket, key: destination.key },
      { journalPath, exitCode: 2 },
    );
  }
}

export class TransferJournal {
  private constructor(private readonly file: JournalFile) {}

  get path(): string {
    return this.file.path;
  }

  /**
   * Where a new transfer to this destination journals (undefined: no journal), with the transfer's lock
   * taken: refuses while another process runs a transfer to it, and refuses to start over an unfinished
   * transfer to the same destination (its upload is still on the server and would be orphaned).
   */
  static async claimForNew(
    destination: { bucket: string; key: string },
    journal: string | false | undefined,
  ): Promise<{ path: string; lock: TransferLock } | undefined> {
    if (journal === false) return undefined;
    const path = journal ?? defaultJournalPath(destination.bucket, destination.key);
    const url = `s3://${destination.bucket}/${destination.key}`;
    const lock = await TransferLock.acquire(path, url);
    const existing = await JournalFile.read(path).catch(() => undefined);
    if (existing && !existing.end) {
      await lock.release();
      throw new UnfinishedTransferError(
        `an unfinished transfer to ${url} is recorded in ${path}`,
        destination,
        path,
      );
    }
    return { path, lock };
  }

  /** Takes the lock of a recorded transfer (resume, abort): refuses while another process runs it. */
  static claim(path: string, destination: string): Promise<TransferLock> {
    return TransferLock.acquire(path, destination);
  }

  /** Reads a journal for resume or abort; a missing or damaged file is the caller's input problem. */
  static async read(path: string): Promise<ParsedJournal> {
    try {
      return await JournalFile.read(path);
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

  /** Starts a new transfer's journal: the header is durable before any upload exists. */
  static async begin(path: string, header: JournalHeader): Promise<TransferJournal> {
    return new TransferJournal(await JournalFile.create(path, header));
  }

  /** Continues a recorded transfer's journal (resume). */
  static async reopen(path: string): Promise<TransferJournal> {
    return new TransferJournal(await JournalFile.append(path));
  }

  /** Records an end on a journal that is not open (abort, uploads clean, a completed-before-crash upload). */
  static async finishAt(path: string, end: Omit<JournalEnd, "at">): Promise<void> {
    const journal = await TransferJournal.reopen(path);
    await journal.end(end);
  }

  uploadCreated(uploadId: string): Promise<void> {
    return this.file.uploadCreated(uploadId);
  }

  part(part: Omit<JournalPart, "type">): Promise<void> {
    return this.file.part(part);
  }

  async completed(end: { etag: string; versionId?: string; result: unknown }): Promise<void> {
    await this.end({ type: "completed", ...end });
  }

  /** Call only once the abort succeeded (or nothing was created): resume trusts this line. */
  async aborted(reason: string): Promise<void> {
    await this.end({ type: "aborted", reason });
  }

  /** Keeps the transfer resumable: everything written so far is made durable and the file closed. */
  async keep(): Promise<void> {
    await this.file.close();
  }

  /** Removes a finished transfer's journal (completed and verified: nothing more to do with it). */
  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }

  /** Removes the journal of a transfer that never created an upload: there is nothing to resume. */
  async discard(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  private async end(end: Omit<JournalEnd, "at">): Promise<void> {
    await this.file.finish(end);
    await this.file.close();
  }
}
