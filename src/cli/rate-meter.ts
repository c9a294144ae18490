/**
 * A transfer rate smoothed over a sliding window of the last few seconds. Bytes arrive in bursts (a part
 * finishes, a worker reports a chunk), so an instantaneous rate jumps 11 → 64 → 15 MiB/s; the slope over a
 * window of several seconds does not. The first sample is the baseline: bytes already there when the meter
 * started (a resumed transfer's finished parts) never count as sent in this run.
 */
export class RateMeter {
  private readonly samples: { at: number; bytes: number }[] = [];
  private first: number | undefined;

  /**
   * @param windowMs how far back the rate looks
   * @param minSpanMs no rate until the samples span this long: one early burst is not a rate
   * @param now the clock, in milliseconds (injected so tests are deterministic)
   */
  constructor(
    private readonly windowMs = 8_000,
    private readonly minSpanMs = 1_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records the byte count at this moment. A count that goes down (a part sent again) restarts the window. */
  sample(bytes: number): void {
    const at = this.now();
    this.first ??= bytes;
    const last = this.samples.at(-1);
    if (last && bytes < last.bytes) this.samples.length = 0;
    this.samples.push({ at, bytes });
    // Keep one sample at or before the window's start, so the slope spans the whole window.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window, or null until the samples span long enough to tell. */
  bytesPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last) return null;
    const span = last.at - first.at;
    if (span < this.minSpanMs) return null;
    return ((last.bytes - first.bytes) * 1000) / span;
  }

  /** The first byte count seen (a resumed transfer's offset, 0 for a fresh one); undefined before any. */
  baseline(): number | undefined {
    return this.first;
  }
}
