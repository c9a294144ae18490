import type { Readable } from "node:stream";

/**
 * Cuts a stream into part-sized buffers. Buffers are SharedArrayBuffer-backed so a worker thread reads the
 * same memory (nothing is copied across threads), and there are only `buffers` of them: reading waits
 * until a sent part gives its buffer back, so memory stays at about buffers × part size however long the
 * stream is.
 */
export class StreamParts {
  private readonly iterator: AsyncIterator<Buffer | string>;
  private leftover: Uint8Array | undefined;
  private ended = false;
  private readonly free: Uint8Array[] = [];
  private readonly inUse = new Map<number, Uint8Array>();
  private created = 0;
  private waiting: (() => void) | undefined;
  bytesRead = 0;

  constructor(
    stream: Readable,
    private readonly partSize: number,
    private readonly buffers: number,
  ) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** The next part's bytes (a view of its buffer), or null at the end of the stream. */
  async next(partNumber: number): Promise<Uint8Array | null> {
    if (this.ended && !this.leftover) return null;
    const buffer = await this.takeBuffer();
    let filled = 0;
    while (filled < buffer.length) {
      if (!this.leftover) {
        const { value, done } = await this.iterator.next();
        if (done) {
          this.ended = true;
          break;
        }
        this.leftover = typeof value === "string" ? Buffer.from(value) : value;
      }
      const take = Math.min(this.leftover.length, buffer.length - filled);
      buffer.set(this.leftover.subarray(0, take), filled);
      filled += take;
      this.leftover = take < this.leftover.length ? this.leftover.subarray(take) : undefined;
    }
    if (!this.ended && !this.leftover) {
      // Peek, so a stream that ends exactly on a part boundary does not produce an empty last part.
      const { value, done } = await this.iterator.next();
      if (done) this.ended = true;
      else this.leftover = typeof value === "string" ? Buffer.from(value) : value;
    }
    if (filled === 0) {
      this.free.push(buffer);
      return null;
    }
    this.bytesRead += filled;
    this.inUse.set(partNumber, buffer);
    return buffer.subarray(0, filled);
  }

  /** True once the stream has nothing more after the parts already returned. */
  get done(): boolean {
    return this.ended && !this.leftover;
  }

  /** The part was sent: its buffer can hold another part. */
  release(partNumber: number): void {
    const buffer = this.inUse.get(partNumber);
    if (!buffer) return;
    this.inUse.delete(partNumber);
    this.free.push(buffer);
    const wake = this.waiting;
    this.waiting = undefined;
    wake?.();
  }

  private async takeBuffer(): Promise<Uint8Array> {
    for (;;) {
      const buffer = this.free.pop();
      if (buffer) return buffer;
      if (this.created < this.buffers) {
        this.created++;
        return new Uint8Array(new SharedArrayBuffer(this.partSize));
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }
}
