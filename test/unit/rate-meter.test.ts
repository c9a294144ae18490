import { describe, expect, it } from "vitest";
import { RateMeter } from "../../src/cli/rate-meter.js";

const MiB = 1024 * 1024;

/** A clock the test moves by hand. */
function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("RateMeter", () => {
  it("gives no rate until the samples span the minimum time", () => {
    const c = clock();
    const meter = new RateMeter(8_000, 1_000, c.now);
    expect(meter.bytesPerSecond()).toBeNull();
    meter.sample(0);
    c.advance(250);
    meter.sample(40 * MiB);
    expect(meter.bytesPerSecond()).toBeNull();
    c.advance(750);
    meter.sample(64 * MiB);
    expect(meter.bytesPerSecond()).toBe(64 * MiB);
  });

  it("smooths bursts: parts landing 11 → 64 → 15 → 71 MiB/s read as their average", () => {
    const c = clock();
    const meter = new RateMeter(8_000, 1_000, c.now);
    let bytes = 0;
    meter.sample(bytes);
    const bursts = [11, 64, 15, 71, 11, 64, 15, 71];
    const rates: number[] = [];
    for (const mib of bursts) {
      c.advance(1_000);
      bytes += mib * MiB;
      meter.sample(bytes);
      rates.push(meter.bytesPerSecond()! / MiB);
    }
    // The instantaneous rate swings by 60 MiB/s; over the 8 s window the slope is the mean, 40.25 MiB/s.
    expect(rates.at(-1)).toBeCloseTo(40.25, 6);
    const late = rates.slice(3);
    expect(Math.max(...late) - Math.min(...late)).toBeLessThan(15);
  });

  it("forgets samples older than the window, so it follows a real change of speed", () => {
    const c = clock();
    const meter = new RateMeter(4_000, 1_000, c.now);
    let bytes = 0;
    meter.sample(bytes);
    for (let i = 0; i < 10; i++) {
      c.advance(1_000);
      bytes += 100 * MiB;
      meter.sample(bytes);
    }
    for (let i = 0; i < 5; i++) {
      c.advance(1_000);
      bytes += 10 * MiB;
      meter.sample(bytes);
    }
    expect(meter.bytesPerSecond()).toBe(10 * MiB);
  });

  it("falls towards zero while nothing moves", () => {
    const c = clock();
    const meter = new RateMeter(4_000, 1_000, c.now);
    meter.sample(0);
    c.advance(2_000);
    meter.sample(200 * MiB);
    const before = meter.bytesPerSecond()!;
    c.advance(2_000);
    meter.sample(200 * MiB);
    expect(meter.bytesPerSecond()!).toBeLessThan(before);
    c.advance(5_000);
    meter.sample(200 * MiB);
    expect(meter.bytesPerSecond()).toBe(0);
  });

  it("does not count a resumed transfer's offset as sent in this run", () => {
    const c = clock();
    const meter = new RateMeter(8_000, 1_000, c.now);
    meter.sample(1024 * MiB); // 128 parts already on the server
    c.advance(2_000);
    meter.sample(1024 * MiB + 100 * MiB);
    expect(meter.bytesPerSecond()).toBe(50 * MiB);
    expect(meter.baseline()).toBe(1024 * MiB);
  });

  it("restarts the window when the count goes down (a part sent again)", () => {
    const c = clock();
    const meter = new RateMeter(8_000, 1_000, c.now);
    meter.sample(0);
    c.advance(1_000);
    meter.sample(100 * MiB);
    c.advance(1_000);
    meter.sample(90 * MiB);
    expect(meter.bytesPerSecond()).toBeNull();
    c.advance(1_000);
    meter.sample(110 * MiB);
    expect(meter.bytesPerSecond()).toBe(20 * MiB);
  });
});
