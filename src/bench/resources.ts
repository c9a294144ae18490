/**
 * What one benchmark run costs this process: CPU seconds (process.cpuUsage is getrusage(RUSAGE_SELF), so it
 * includes the worker threads that read, checksum and send the parts), peak resident memory, and how late
 * the main thread's event loop ran (beyond its 10 ms sampling period). The kernel keeps only a lifetime peak RSS, so the per-run peak is
 * sampled (every 50 ms by default); process.resourceUsage().maxRSS gives the lifetime one.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from "node:perf_hooks";

export interface ResourceUsage {
  wallSeconds: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  cpuSeconds: number;
  /** Highest RSS seen by the sampler during the run (bytes). */
  peakRssBytes: number;
  /** Main-thread event-loop delay during the run, milliseconds. */
  eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
}

/**
 * The event-loop sampling timer's period. The histogram records the time between its ticks, i.e. this
 * period plus the delay; the figures reported subtract it (so an idle loop reads ≈ 0 ms).
 */
const EVENT_LOOP_RESOLUTION_MS = 10;

export class ResourceMeter {
  private readonly started = performance.now();
  private readonly cpu = process.cpuUsage();
  private peakRss = process.memoryUsage.rss();
  private readonly timer: NodeJS.Timeout;
  private readonly histogram: IntervalHistogram;

  constructor(sampleIntervalMs = 50) {
    this.timer = setInterval(() => this.sample(), sampleIntervalMs);
    this.timer.unref();
    this.histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.histogram.enable();
  }

  private sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
  }

  stop(): ResourceUsage {
    this.sample();
    clearInterval(this.timer);
    this.histogram.disable();
    const cpu = process.cpuUsage(this.cpu);
    const ms = (ns: number) => Math.max(0, ns / 1e6 - EVENT_LOOP_RESOLUTION_MS);
    const usage: ResourceUsage = {
      wallSeconds: (performance.now() - this.started) / 1000,
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssBytes: this.peakRss,
      eventLoopDelay: {
        p50Ms: ms(this.histogram.percentile(50)),
        p99Ms: ms(this.histogram.percentile(99)),
        maxMs: ms(this.histogram.max),
      },
    };
    return usage;
  }
}
