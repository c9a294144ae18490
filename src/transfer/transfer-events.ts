import {
  EVENT_SCHEMA_VERSION,
  type EventOptions,
  type TransferEvent,
  type TransferEventData,
  type TransferProgress,
} from "./events.js";
import type { AdaptiveConcurrency } from "../engine/concurrency.js";
import type { PartProgress } from "../engine/part-progress.js";

/** The event as listeners get it: with the schema version and the time it was emitted. */
export function stampEvent(event: TransferEventData): TransferEvent {
  return { schemaVersion: EVENT_SCHEMA_VERSION, time: new Date().toISOString(), ...event } as TransferEvent;
}

/**
 * The event side of one transfer: forwards events to the caller and turns the shared byte counters into a
 * throttled progress stream. A listener that throws never breaks the transfer.
 */
export class TransferEvents {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();
  private lastBytes: number | undefined;
  private lastAt = this.startedAt;
  private rate = 0;
  /** The last progress reported, to skip reports that say nothing new. */
  private lastReported: string | undefined;
  partsResumed = 0;

  constructor(private readonly options: EventOptions) {}

  emit = (event: TransferEventData): void => {
    const stamped = stampEvent(event);
    try {
      this.options.onEvent?.(stamped);
    } catch {
      // a listener's bug is not a transfer failure
    }
  };

  /** Starts the progress ticker over these counters. */
  track(
    progress: PartProgress,
    totals: () => { totalBytes: number | null; partCount: number | null },
    concurrency: AdaptiveConcurrency,
  ): void {
    const tick = () => this.report(progress, totals(), concurrency);
    this.timer = setInterval(tick, this.options.progressIntervalMs ?? 250);
    this.timer.unref();
    tick();
  }

  /** Stops the ticker, after one last report so listeners see the final figures. */
  stop(
    progress?: PartProgress,
    totals?: { totalBytes: number | null; partCount: number | null },
    concurrency?: AdaptiveConcurrency,
  ): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (progress && totals && concurrency) this.report(progress, totals, concurrency);
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  private report(
    progress: PartProgress,
    totals: { totalBytes: number | null; partCount: number | null },
    concurrency: AdaptiveConcurrency,
  ): void {
    const now = performance.now();
    const bytesDone = progress.bytesDone();
    const dt = (now - this.lastAt) / 1000;
    if (this.lastBytes === undefined) {
      // The first count is the baseline: a resumed transfer's finished parts were not sent in this run.
      this.lastBytes = bytesDone;
      this.lastAt = now;
    } else if (dt >= 0.2) {
      // Smoothed rate: the bar's ETA should not jump with every part.
      const instant = (bytesDone - this.lastBytes) / dt;
      this.rate = this.rate === 0 ? instant : 0.7 * this.rate + 0.3 * instant;
      this.lastBytes = bytesDone;
      this.lastAt = now;
    }
    const snapshot: TransferProgress = {
      bytesDone,
      totalBytes: totals.totalBytes,
      partsDone: progress.partsDone,
      partCount: totals.partCount,
      concurrency: concurrency.value,
      // A part sent again takes its bytes back: the rate dips, but never below zero.
      bytesPerSecond: Math.max(0, Math.round(this.rate)),
      ...(this.partsResumed ? { partsResumed: this.partsResumed } : {}),
    };
    // Ticks while nothing moves (a slow part, a retry's back-off) would repeat the same line: skip them.
    const { bytesPerSecond: _rate, ...figures } = snapshot;
    const key = JSON.stringify(figures);
    if (key === this.lastReported) return;
    this.lastReported = key;
    try {
      this.options.onProgress?.(snapshot);
    } catch {
      // as above
    }
    this.emit({ type: "progress", ...snapshot });
  }
}
