/**
 * Live byte counts: each part in flight owns a slot in a shared array that its worker updates as the HTTP
 * body is consumed, so progress moves within a 5 GiB part without any message between threads.
 */
export class PartProgress {
  readonly counters: SharedArrayBuffer;
  private readonly view: BigInt64Array;
  private readonly free: number[];
  completedBytes = 0;
  partsDone = 0;

  constructor(slots: number) {
    this.counters = new SharedArrayBuffer(8 * slots);
    this.view = new BigInt64Array(this.counters);
    this.free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  acquire(): number {
    const slot = this.free.pop();
    if (slot === undefined) throw new Error("more parts in flight than progress slots");
    Atomics.store(this.view, slot, 0n);
    return slot;
  }

  release(slot: number): void {
    Atomics.store(this.view, slot, 0n);
    this.free.push(slot);
  }

  /** Bytes of finished parts plus what parts in flight have sent so far. */
  bytesDone(): number {
    let inFlight = 0;
    for (let i = 0; i < this.view.length; i++) inFlight += Number(Atomics.load(this.view, i));
    return this.completedBytes + inFlight;
  }
}
