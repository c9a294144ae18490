import { open, type FileHandle } from "node:fs/promises";
import type { FileIdentity } from "./tasks.js";

/** The file is not what the transfer planned: it was modified, truncated or replaced while being read. */
export class SourceChangedError extends Error {
  override name = "SourceChangedError";
}

const IDLE_CLOSE_MS = 5_000;

interface OpenFile {
  handle: Promise<FileHandle>;
  users: number;
  timer?: NodeJS.Timeout;
}

/**
 * Keeps each source file open in this worker while parts of it are being read, and closes it once it has
 * been idle for a few seconds, so a long-lived pool does not hold descriptors of finished transfers.
 */
export class OpenFiles {
  private readonly files = new Map<string, OpenFile>();

  async use<T>(path: string, work: (handle: FileHandle) => Promise<T>): Promise<T> {
    let entry = this.files.get(path);
    if (!entry) {
      entry = { handle: open(path, "r"), users: 0 };
      this.files.set(path, entry);
      entry.handle.catch(() => this.files.delete(path));
    }
    if (entry.timer) clearTimeout(entry.timer);
    entry.users++;
    try {
      return await work(await entry.handle);
    } finally {
      entry.users--;
      if (entry.users === 0) {
        const idle = entry;
        idle.timer = setTimeout(() => {
          if (idle.users === 0 && this.files.get(path) === idle) {
            this.files.delete(path);
            void idle.handle.then((h) => h.close()).catch(() => undefined);
          }
        }, IDLE_CLOSE_MS).unref();
      }
    }
  }
}

/** Fails if the open file no longer has the size and modification time the transfer planned with. */
export async function checkIdentity(handle: FileHandle, file: FileIdentity): Promise<void> {
  const stat = await handle.stat();
  if (stat.size !== file.size || stat.mtimeMs !== file.mtimeMs) {
    throw new SourceChangedError(
      `${file.path} changed during the transfer (size ${file.size} → ${stat.size}, ` +
        `modified ${new Date(file.mtimeMs).toISOString()} → ${stat.mtime.toISOString()})`,
    );
  }
}

/** Reads exactly `into.length` bytes at `position`; a short read means the file shrank under us. */
export async function readFully(
  handle: FileHandle,
  into: Uint8Array,
  position: number,
  path: string,
): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) {
      throw new SourceChangedError(`${path} is shorter than planned: it was truncated during the transfer`);
    }
    done += bytesRead;
  }
}

/**
 * Part buffers, reused across tasks in this worker. A buffer is handed out whole to one task at a time. Every
 * buffer given back is kept, up to the most this worker has had in use at once (its parts in flight): a
 * thread running 4 parts that kept only 2 allocated a fresh part buffer for every other part, and the kernel
 * time of faulting those pages in, with the GC freeing the old ones, cost more than the reading itself.
 * Idle for a few seconds, they all go.
 */
export class BufferPool {
  private free: Buffer[] = [];
  private timer?: NodeJS.Timeout;
  private inUse = 0;
  private peakInUse = 0;

  take(size: number): Buffer {
    // The smallest that fits (the list is largest first), so 1 MiB scratch does not take a part buffer.
    let index = this.free.length - 1;
    while (index >= 0 && this.free[index]!.length < size) index--;
    const buffer = index >= 0 ? this.free.splice(index, 1)[0]! : Buffer.allocUnsafeSlow(size);
    this.inUse++;
    this.peakInUse = Math.max(this.peakInUse, this.inUse);
    return buffer;
  }

  give(buffer: Buffer): void {
    this.inUse--;
    this.free.push(buffer);
    // The largest first, so a smaller last part reuses a buffer rather than allocating; beyond the peak in
    // use, the smallest go to the GC.
    this.free.sort((a, b) => b.length - a.length);
    this.free.length = Math.min(this.free.length, this.peakInUse);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.free = [];
      this.peakInUse = this.inUse;
    }, IDLE_CLOSE_MS).unref();
  }

  /** Buffers kept for reuse (for tests). */
  get idle(): number {
    return this.free.length;
  }
}
