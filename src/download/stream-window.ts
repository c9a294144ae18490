/**
 * The in-order writer of a download to a stream. Ranges are fetched in parallel into shared memory (the
 * worker writes, this thread reads: nothing is copied between threads) and written to the stream in order.
 * At most `slots` range buffers exist: a range is started only once a buffer is free, and a buffer is free
 * once its range has been written, so memory stays within slots × range size whatever the stream's pace.
 */
import type { Writable } from "node:stream";
import type { PartRange } from "../planner/index.js";

export class StreamWindow {
  private readonly free: Uint8Array[] = [];
  private allocated = 0;
  private readonly waiting: { resolve(buffer: Uint8Array): void; reject(error: unknown): void }[] = [];
  private readonly held = new Map<number, { range: PartRange; buffer: Uint8Array }>();
  private readonly finishedRanges = new Set<number>();
  private next = 1;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private readonly onError = (error: unknown) => this.fail(error);

  constructor(
    private readonly writable: Writable,
    private readonly slots: number,
    private readonly bufferSize: number,
  ) {
    writable.on("error", this.onError);
  }

  /** A buffer for this range, once one is free (ranges are acquired in order). */
  async acquire(range: PartRange): Promise<{ type: "memory"; data: Uint8Array }> {
    if (this.failure !== undefined) throw this.failure;
    let buffer = this.free.pop();
    if (!buffer && this.allocated < this.slots) {
      this.allocated++;
      buffer = new Uint8Array(new SharedArrayBuffer(Math.max(1, this.bufferSize)));
    }
    buffer ??= await new Promise<Uint8Array>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.held.set(range.partNumber, { range, buffer });
    return { type: "memory", data: buffer };
  }

  /** A range's bytes are all in its buffer: write it, and any that follow it, in order. */
  finished(range: PartRange): Promise<void> {
    this.finishedRanges.add(range.partNumber);
    this.writing = this.writing.then(() => this.drain());
    return this.writing;
  }

  /** Everything finished has been written and flushed. */
  async drained(): Promise<void> {
    await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  close(): void {
    this.writable.off("error", this.onError);
  }

  /** The stream failed: nothing more can be written, and no range waiting for a buffer will get one. */
  private fail(error: unknown): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }

  private async drain(): Promise<void> {
    while (this.finishedRanges.has(this.next)) {
      const { range, buffer } = this.held.get(this.next)!;
      await this.write(buffer.subarray(0, range.size));
      this.finishedRanges.delete(this.next);
      this.held.delete(this.next);
      this.next++;
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(buffer);
      else this.free.push(buffer);
    }
  }

  private write(bytes: Uint8Array): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure as Error);
    return new Promise((resolve, reject) => {
      // The callback runs once the stream is done with these bytes: only then may the buffer be reused.
      this.writable.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error) => {
        if (error) {
          this.fail(error);
          reject(error);
        } else resolve();
      });
    });
  }
}
