import { mkdir, open, readFile, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import {
  parseJournal,
  serializeLine,
  type JournalEnd,
  type JournalHeader,
  type JournalPart,
  type ParsedJournal,
} from "./format.js";

/** How long a finished part may wait for its fsync: a crash loses at most this much, and resume re-checks it. */
const FSYNC_INTERVAL_MS = 200;

/**
 * An open journal file. Lines are written as parts finish; fsyncs are batched (a part's line is durable at
 * most FSYNC_INTERVAL_MS after it is written, and `flush` makes everything durable now). Created 0600 in a
 * 0700 directory: it names buckets, keys and upload ids.
 */
export class JournalFile {
  private pending = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Starts a new journal (replacing a finished one at the same path). */
  static async create(path: string, header: JournalHeader): Promise<JournalFile> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(path, "w", 0o600);
    await handle.chmod(0o600);
    const journal = new JournalFile(path, handle);
    await handle.write(serializeLine(header));
    await handle.sync();
    return journal;
  }

  /** Opens an existing journal to append to it (resume). */
  static async append(path: string): Promise<JournalFile> {
    return new JournalFile(path, await open(path, "a", 0o600));
  }

  static async read(path: string): Promise<ParsedJournal> {
    return parseJournal(await readFile(path, "utf8"));
  }

  /** Records the upload id, durably, as soon as CreateMultipartUpload returns it. */
  async uploadCreated(uploadId: string): Promise<void> {
    await this.write(serializeLine({ type: "upload", uploadId }), true);
  }

  /** Records a finished part. Resolves once the line is written (durable within FSYNC_INTERVAL_MS). */
  part(part: Omit<JournalPart, "type">): Promise<void> {
    return this.write(serializeLine({ type: "part", ...part }), false);
  }

  /** Records the end of the transfer, durably. */
  async finish(end: Omit<JournalEnd, "at">): Promise<void> {
    await this.write(serializeLine({ ...end, at: new Date().toISOString() }), true);
  }

  /** Makes every written line durable now. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) {
      this.pending = false;
      await this.handle.sync();
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }

  private write(text: string, durable: boolean): Promise<void> {
    // Appends are serialized so lines never interleave.
    this.writing = this.writing.then(async () => {
      await this.handle.write(text);
      this.pending = true;
    });
    if (durable) return this.flush();
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, FSYNC_INTERVAL_MS);
    return this.writing;
  }
}
