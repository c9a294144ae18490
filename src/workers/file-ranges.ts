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
 * Part buffers, reused across tasks in this worker. A buffer is handed out whole to one task at a time, so
 * the worker holds at most (tasks in flight + a few idle) part buffers.
 */
export class BufferPool {
  private free: Buffer[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly maxIdle = 2) {}

  take(size: number): Buffer {
    const index = this.free.findIndex((b) => b.length >= size);
    const buffer = index >= 0 ? this.free.splice(index, 1)[0]! : Buffer.allocUnsafeSlow(size);
    return buffer;
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
    // Keep the largest few; drop the rest to the GC.
    this.free.sort((a, b) => b.length - a.length);
    this.free.length = Math.min(this.free.length, this.maxIdle);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => (this.free = []), IDLE_CLOSE_MS).unref();
  }
}
