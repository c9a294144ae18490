/**
 * Additive-increase / multiplicative-decrease of the parts in flight, as S3's guidance asks for 503
 * SlowDown: halve at once, then grow back by one for every `recoverAfter` parts that succeed.
 */
export class AdaptiveConcurrency {
  private current: number;
  private successes = 0;
  private lastCut = 0;

  constructor(
    readonly max: number,
    private readonly recoverAfter = 4,
    private readonly now: () => number = Date.now,
  ) {
    this.current = max;
  }

  get value(): number {
    return this.current;
  }

  /** A throttle response: halve (at most once per second, so one burst of 503s is one cut). */
  throttled(): void {
    const now = this.now();
    if (now - this.lastCut < 1_000) return;
    this.lastCut = now;
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.successes = 0;
  }

  succeeded(): void {
    if (this.current >= this.max) return;
    if (++this.successes >= this.recoverAfter) {
      this.current++;
      this.successes = 0;
    }
  }
}
