import { describe, expect, it } from "vitest";
import { AdaptiveConcurrency } from "../../src/engine/concurrency.js";
import { PartProgress } from "../../src/engine/part-progress.js";
import { runParts, type PartJob } from "../../src/engine/run-parts.js";
import type { PartPool } from "../../src/workers/pool.js";
import type { PartOutcome, PartTask } from "../../src/workers/tasks.js";
import type { TransferEventData } from "../../src/transfer/events.js";

/** A pool whose parts finish after random delays, so completions arrive out of order. */
function fakePool(behaviour: (task: PartTask, call: number) => Promise<PartOutcome>): PartPool {
  let calls = 0;
  return { run: (task: PartTask) => behaviour(task, ++calls) } as unknown as PartPool;
}

function jobs(count: number): PartJob[] {
  return Array.from({ length: count }, (_, i) => ({
    partNumber: i + 1,
    bytes: 100,
    task: async () => ({ kind: "digest-part", partNumber: i + 1 }) as unknown as PartTask,
  }));
}

const ok = (task: PartTask): PartOutcome => ({
  ok: true,
  partNumber: (task as { partNumber: number }).partNumber,
  etag: `"etag-${(task as { partNumber: number }).partNumber}"`,
  bytes: 100,
  durationMs: 1,
});

function options(pool: PartPool, concurrency = 4, events: TransferEventData[] = []) {
  return {
    runner: pool,
    concurrency: new AdaptiveConcurrency(concurrency),
    retry: { maxAttempts: 3, budget: 10, baseDelayMs: 1, maxDelayMs: 2 },
    location: { bucket: "b", key: "k", uploadId: "u" },
    emit: (e: TransferEventData) => events.push(e),
    progress: new PartProgress(concurrency),
  };
}

describe("runParts", () => {
  it("returns every part, sorted, when they finish out of order", async () => {
    const finished: number[] = [];
    // Each part waits for the part after it (within a group of 4 in flight) to finish first: completions
    // arrive in reverse order by construction, not by timing luck.
    const released = new Map<number, () => void>();
    const done = (n: number) => new Promise<void>((r) => released.set(n, r));
    const gates = new Map<number, Promise<void>>();
    for (let n = 1; n <= 40; n++) gates.set(n, done(n));
    const pool = fakePool(async (task) => {
      const n = (task as { partNumber: number }).partNumber;
      if (n % 4 !== 0) await gates.get(n + 1);
      finished.push(n);
      released.get(n)!();
      return ok(task);
    });
    const summary = await runParts(jobs(40), options(pool));
    expect(finished).not.toEqual([...finished].sort((a, b) => a - b));
    expect(summary.parts.map((p) => p.partNumber)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(summary.parts.every((p) => p.etag === `"etag-${p.partNumber}"`)).toBe(true);
  });

  it("never has more parts in flight than the concurrency", async () => {
    let inFlight = 0;
    let peak = 0;
    const pool = fakePool(async (task) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return ok(task);
    });
    await runParts(jobs(30), options(pool, 3));
    expect(peak).toBe(3);
  });

  it("retries a retryable failure and reports it", async () => {
    const events: TransferEventData[] = [];
    const pool = fakePool(async (task, call) =>
      call === 2
        ? {
            ok: false,
            partNumber: 2,
            error: {
              name: "InternalError",
              message: "x",
              code: "InternalError",
              httpStatus: 500,
              retryable: true,
              throttle: false,
            },
          }
        : ok(task),
    );
    const summary = await runParts(jobs(5), options(pool, 1, events));
    expect(summary.retries).toBe(1);
    expect(summary.parts).toHaveLength(5);
    expect(events.some((e) => e.type === "retry" && e.partNumber === 2)).toBe(true);
  });

  it("stops on a permanent failure, waits for parts in flight, and names the part", async () => {
    let started = 0;
    let settled = 0;
    const pool = fakePool(async (task) => {
      started++;
      const n = (task as { partNumber: number }).partNumber;
      await new Promise((r) => setTimeout(r, 10));
      settled++;
      if (n === 3) {
        return {
          ok: false,
          partNumber: 3,
          error: {
            name: "AccessDenied",
            message: "",
            code: "AccessDenied",
            httpStatus: 403,
            retryable: false,
            throttle: false,
          },
        };
      }
      return ok(task);
    });
    await expect(runParts(jobs(50), options(pool, 4))).rejects.toThrow(
      /part 3.*refused \(403 AccessDenied\)/,
    );
    expect(settled).toBe(started);
    expect(started).toBeLessThan(50);
  });
});
