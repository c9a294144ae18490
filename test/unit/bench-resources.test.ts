import { describe, expect, it } from "vitest";
import { ResourceMeter } from "../../src/bench/resources.js";

describe("ResourceMeter", () => {
  it("counts this process's CPU time and wall time", () => {
    const meter = new ResourceMeter();
    // Spin until the process itself has used 40 ms of CPU: on a loaded machine wall time says nothing.
    const start = process.cpuUsage();
    let x = 0;
    while (process.cpuUsage(start).user < 40_000) x += Math.sqrt(x + 1);
    const usage = meter.stop();
    expect(x).toBeGreaterThan(0);
    expect(usage.cpuUserSeconds).toBeGreaterThanOrEqual(0.04);
    expect(usage.wallSeconds).toBeGreaterThan(0);
    expect(usage.cpuSeconds).toBeCloseTo(usage.cpuUserSeconds + usage.cpuSystemSeconds, 9);
  });

  it("keeps the highest RSS it saw, at least the RSS at the end", () => {
    const before = process.memoryUsage.rss();
    const meter = new ResourceMeter(5);
    const held = Buffer.alloc(64 * 1024 * 1024, 1);
    const usage = meter.stop();
    expect(held[held.length - 1]).toBe(1);
    expect(usage.peakRssBytes).toBeGreaterThanOrEqual(before + 48 * 1024 * 1024);
  });

  it("reports event-loop delay beyond the sampling period, never negative", async () => {
    const meter = new ResourceMeter();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const blockUntil = performance.now() + 80;
    while (performance.now() < blockUntil);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const { eventLoopDelay } = meter.stop();
    expect(eventLoopDelay.p50Ms).toBeGreaterThanOrEqual(0);
    expect(eventLoopDelay.maxMs).toBeGreaterThanOrEqual(50);
  });
});
