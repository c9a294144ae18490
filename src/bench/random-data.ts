/**
 * Random benchmark data that is never held whole in memory: a Readable of exactly `size` bytes made chunk
 * by chunk, and a file written from one reused chunk buffer. Random, so that no store or link can
 * compress or deduplicate it; crypto.randomFill runs at several GB/s, far above any upload.
 */
import { randomFillSync } from "node:crypto";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/** Fills `buffer` with bytes; the default is cryptographic randomness. Tests pass a predictable one. */
export type Filler = (buffer: Uint8Array) => void;

const randomFiller: Filler = (buffer) => {
  randomFillSync(buffer);
};

export interface RandomDataOptions {
  chunkSize?: number;
  fill?: Filler;
}

/**
 * A stream of exactly `size` random bytes in chunks of `chunkSize` (the last one shorter). Each chunk is a
 * fresh buffer — a consumer may keep it — so memory use is what the consumer holds, never `size`.
 */
export class RandomDataStream extends Readable {
  private remaining: number;
  private readonly chunkSize: number;
  private readonly fill: Filler;

  constructor(size: number, options: RandomDataOptions = {}) {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    checkSizes(size, chunkSize);
    super({ highWaterMark: chunkSize });
    this.remaining = size;
    this.chunkSize = chunkSize;
    this.fill = options.fill ?? randomFiller;
  }

  override _read(): void {
    if (this.remaining === 0) {
      this.push(null);
      return;
    }
    const length = Math.min(this.chunkSize, this.remaining);
    const chunk = Buffer.allocUnsafe(length);
    this.fill(chunk);
    this.remaining -= length;
    this.push(chunk);
  }
}

/**
 * Writes `size` random bytes to `path` (created or truncated), one chunk buffer reused throughout.
 * Stops with the signal's reason if it is aborted; the caller removes the partial file.
 */
export async function writeRandomFile(
  path: string,
  size: number,
  options: RandomDataOptions & { signal?: AbortSignal } = {},
): Promise<void> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  checkSizes(size, chunkSize);
  const fill = options.fill ?? randomFiller;
  const buffer = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(size, 1)));
  const handle = await open(path, "w");
  try {
    let written = 0;
    while (written < size) {
      options.signal?.throwIfAborted();
      const length = Math.min(buffer.length, size - written);
      const view = buffer.subarray(0, length);
      fill(view);
      let offset = 0;
      while (offset < length) {
        const { bytesWritten } = await handle.write(view, offset, length - offset, written + offset);
        offset += bytesWritten;
      }
      written += length;
    }
  } finally {
    await handle.close();
  }
}

function checkSizes(size: number, chunkSize: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a byte count, got ${size}`);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunk size must be ≥ 1 byte, got ${chunkSize}`);
  }
}
