import { describe, expect, it } from "vitest";
import { AdaptiveConcurrency } from "../../src/engine/concurrency.js";
import { PartProgress } from "../../src/engine/part-progress.js";
import { runParts, type PartJob } from "../../src/engine/run-parts.js";
import type { PartPool } from "../../src/workers/pool.js";
import type { PartOutcome, PartTask } from "../../src/workers/tasks.js";
import type { TransferEventData } from "../../src/transfer/events.js";
import { TransferError } from "../../src/errors.js";

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

  it("announces a part only once onPart (the journal) has recorded it", async () => {
    const order: string[] = [];
    const events: TransferEventData[] = [];
    await runParts(jobs(3), {
      ...options(
        fakePool(async (task) => ok(task)),
        1,
      ),
      emit: (e: TransferEventData) => {
        if (e.type === "part") order.push(`event ${e.partNumber}`);
        events.push(e);
      },
      onPart: async (part) => {
        await new Promise((r) => setImmediate(r));
        order.push(`recorded ${part.partNumber}`);
      },
    });
    expect(order).toEqual(["recorded 1", "event 1", "recorded 2", "event 2", "recorded 3", "event 3"]);
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

/** A runner whose parts never answer until their request is cancelled, as on a hung server. */
function hungUntilCancelled(cancelled: number[], answers: (partNumber: number) => boolean = () => false) {
  return {
    run: (task: PartTask, { signal }: { signal?: AbortSignal } = {}) => {
      const partNumber = (task as { partNumber: number }).partNumber;
      if (answers(partNumber)) return Promise.resolve(ok(task));
      return new Promise<PartOutcome>((_resolve, reject) => {
        signal?.addEventListener("abort", () => {
          cancelled.push(partNumber);
          reject(signal.reason as Error);
        });
      });
    },
  };
}

describe("runParts against a server that answers nothing", () => {
  it("fails with STALLED (transient) once nothing moved for stallTimeoutMs, cancelling the requests", async () => {
    const cancelled: number[] = [];
    const journaled: number[] = [];
    const error = await runParts(jobs(6), {
      ...options(hungUntilCancelled(cancelled, (n) => n === 1) as unknown as PartPool, 3),
      stallTimeoutMs: 50,
      onPart: (part) => void journaled.push(part.partNumber),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("STALLED");
    expect((error as TransferError).transient).toBe(true);
    expect((error as TransferError).message).toMatch(/no progress for \d+ s/);
    // Part 1 answered and was recorded; the others in flight were cancelled, none started after.
    expect(journaled).toEqual([1]);
    expect(cancelled.sort()).toEqual([2, 3, 4]);
  });

  it("a stop starts no more parts and cancels the hung ones after the grace period", async () => {
    const cancelled: number[] = [];
    const stop = new AbortController();
    const journaled: number[] = [];
    let started = 0;
    const runner = hungUntilCancelled(cancelled, (n) => n <= 2);
    const error = await runParts(jobs(10), {
      ...options(
        {
          run: (task: PartTask, o?: { signal?: AbortSignal }) => {
            started++;
            if (started === 4) stop.abort();
            return runner.run(task, o);
          },
        } as unknown as PartPool,
        4,
      ),
      stop: stop.signal,
      stopGraceMs: 20,
      onPart: (part) => void journaled.push(part.partNumber),
    }).catch((e: unknown) => e);
    expect((error as TransferError).code).toBe("INTERRUPTED");
    expect(journaled.sort()).toEqual([1, 2]);
    expect(cancelled.sort()).toEqual([3, 4]);
    expect(started).toBe(4);
  });

  it("a stop does not retry a part whose attempt failed", async () => {
    const stop = new AbortController();
    let calls = 0;
    const pool = fakePool(async (task) => {
      calls++;
      stop.abort();
      return {
        ok: false,
        partNumber: (task as { partNumber: number }).partNumber,
        error: {
          name: "InternalError",
          message: "x",
          code: "InternalError",
          httpStatus: 500,
          retryable: true,
          throttle: false,
        },
      } as PartOutcome;
    });
    const error = await runParts(jobs(3), { ...options(pool, 1), stop: stop.signal }).catch(
      (e: unknown) => e,
    );
    expect((error as TransferError).code).toBe("INTERRUPTED");
    expect(calls).toBe(1);
  });

  it("a journal write that fails stops the transfer with that error (no unhandled rejection)", async () => {
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    let started = 0;
    const pool = fakePool(async (task) => {
      started++;
      await new Promise((r) => setTimeout(r, 1));
      return ok(task);
    });
    const error = await runParts(jobs(50), {
      ...options(pool, 2),
      onPart: (part) => {
        if (part.partNumber === 3) throw full;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(full);
    expect(started).toBeLessThan(50);
  });
});

describe("the no-progress deadline and retries", () => {
  it("bytes re-sent by retries that time out are not progress: the transfer still fails STALLED", async () => {
    // Each attempt "sends" a few bytes (into socket buffers, as against a frozen server), then times out;
    // the 30 attempts take 4.5 s, far beyond the deadline.
    const job: PartJob = {
      partNumber: 1,
      bytes: 100,
      task: async ({ counters, slot }) => ({ partNumber: 1, counters, slot }) as unknown as PartTask,
    };
    let attempts = 0;
    const runner = {
      run: async (task: PartTask) => {
        attempts++;
        const { counters, slot } = task as unknown as { counters: SharedArrayBuffer; slot: number };
        // Attempts "send" 30, 40, 50 bytes in turn and last 1.5 looks of the deadline's clock (every 100 ms
        // for a 400 ms deadline), so the count it sees changes at least every other look.
        Atomics.store(new BigInt64Array(counters), slot, BigInt(30 + (attempts % 3) * 10));
        await new Promise((r) => setTimeout(r, 150));
        return {
          ok: false,
          partNumber: 1,
          error: {
            name: "TimeoutError",
            message: "socket timed out",
            code: "TimeoutError",
            retryable: true,
            throttle: false,
          },
        } as PartOutcome;
      },
    };
    const error = await runParts([job], {
      ...options(runner as unknown as PartPool, 1),
      retry: { maxAttempts: 30, budget: 1_000, baseDelayMs: 1, maxDelayMs: 2 },
      stallTimeoutMs: 400,
    }).catch((e: unknown) => e);
    expect((error as TransferError).code).toBe("STALLED");
    expect(attempts).toBeGreaterThan(1);
  });
});
