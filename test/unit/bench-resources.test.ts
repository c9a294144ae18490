import { describe, expect, it } from "vitest";
import { ResourceMeter } from "../../src/bench/resources.js";

describe("ResourceMeter", () => {
  it("counts this process's CPU time and wall time", () => {
    const meter = new ResourceMeter();
    const started = performance.now();
    // Spin until 60 ms of CPU time were spent, not 60 ms of wall time: on a loaded machine a wall-clock
    // loop may get only a fraction of a core.
    const cpu = process.cpuUsage();
    const cpuSpent = () => {
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / 1e6;
    };
    let x = 0;
    while (cpuSpent() < 0.06) x += Math.sqrt(x + 1);
    const wall = (performance.now() - started) / 1000;
    const usage = meter.stop();
    expect(x).toBeGreaterThan(0);
    expect(usage.wallSeconds).toBeGreaterThanOrEqual(wall);
    expect(usage.cpuSeconds).toBeGreaterThanOrEqual(0.06);
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
