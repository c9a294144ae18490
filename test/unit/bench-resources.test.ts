import { describe, expect, it } from "vitest";
import { ResourceMeter } from "../../src/bench/resources.js";

describe("ResourceMeter", () => {
  it("counts this process's CPU time and wall time", () => {
    const meter = new ResourceMeter();
    const until = performance.now() + 60;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    const usage = meter.stop();
    expect(x).toBeGreaterThan(0);
    expect(usage.wallSeconds).toBeGreaterThanOrEqual(0.05);
    expect(usage.cpuSeconds).toBeGreaterThan(0.02);
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
