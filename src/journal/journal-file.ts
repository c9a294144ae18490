import { mkdir, open, readFile, rm, type FileHandle } from "node:fs/promises";
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
  /** The chain of appends; it never rejects (a failure is kept in `broken`). */
  private writing: Promise<void> = Promise.resolve();
  /**
   * The first write or fsync that failed (a full disk). The file may end in a torn line, so nothing more is
   * appended to it: a line after a torn one would make the journal unreadable. Resume cuts the torn tail.
   */
  private broken: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /**
   * Starts a new journal (replacing a finished one at the same path). If the header cannot be written
   * (a full disk), the file is removed: an empty or torn journal would only block the next transfer.
   */
  static async create(path: string, header: JournalHeader): Promise<JournalFile> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(path, "w", 0o600);
    try {
      await handle.chmod(0o600);
      await writeAll(handle, serializeLine(header));
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(path, { force: true }).catch(() => undefined);
      throw error;
    }
    return new JournalFile(path, handle);
  }

  /**
   * Opens an existing journal to append to it (resume). A torn last line (a crash or a full disk in the
   * middle of a write) is cut off first, so the lines appended now start on a line of their own.
   */
  static async append(path: string): Promise<JournalFile> {
    const handle = await open(path, "r+", 0o600);
    try {
      const { size } = await handle.stat();
      if (size > 0) {
        const text = await handle.readFile();
        if (text[text.length - 1] !== 0x0a) {
          await handle.truncate(text.lastIndexOf(0x0a) + 1);
          await handle.sync();
        }
      }
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    await handle.close();
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

  /** Makes every written line durable now; rejects if a write or fsync failed. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.broken) throw this.broken;
    if (this.pending) {
      this.pending = false;
      try {
        await this.handle.sync();
      } catch (error) {
        this.broken = error as Error;
        throw error;
      }
    }
  }

  /**
   * Makes what was written durable and closes the file. On a journal whose write already failed (and was
   * reported to its writer), closing keeps what is there and does not fail again: resume reads it.
   */
  async close(): Promise<void> {
    try {
      await this.flush();
    } catch (error) {
      if (error !== this.broken) throw error;
    } finally {
      await this.handle.close().catch(() => undefined);
    }
  }

  private write(text: string, durable: boolean): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    // Appends are serialized so lines never interleave.
    const line = this.writing.then(async () => {
      if (this.broken) throw this.broken;
      try {
        await writeAll(this.handle, text);
        this.pending = true;
      } catch (error) {
        this.broken ??= error as Error;
        throw error;
      }
    });
    this.writing = line.catch(() => undefined);
    if (durable) return line.then(() => this.flush());
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, FSYNC_INTERVAL_MS);
    return line;
  }
}

/** One whole line: a write may take only part of it (a nearly full disk), the rest follows or fails. */
async function writeAll(handle: FileHandle, text: string): Promise<void> {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    if (bytesWritten === 0)
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    offset += bytesWritten;
  }
}
