import { describe, expect, it } from "vitest";
import { BufferPool } from "../../src/workers/file-ranges.js";

const MiB = 1024 * 1024;

describe("worker BufferPool", () => {
  it("keeps as many buffers as were in use at once, and reuses them", () => {
    const pool = new BufferPool();
    const taken = [pool.take(MiB), pool.take(MiB), pool.take(MiB), pool.take(MiB)];
    for (const buffer of taken) pool.give(buffer);
    expect(pool.idle).toBe(4);
    const again = [pool.take(MiB), pool.take(MiB), pool.take(MiB), pool.take(MiB)];
    expect(new Set(again)).toEqual(new Set(taken));
    for (const buffer of again) pool.give(buffer);
  });

  it("never keeps more than its peak in use", () => {
    const pool = new BufferPool();
    const a = pool.take(MiB);
    pool.give(a);
    pool.give(Buffer.alloc(MiB)); // a stray buffer beyond the peak of one
    expect(pool.idle).toBe(1);
  });

  it("hands out the smallest buffer that fits", () => {
    const pool = new BufferPool();
    const big = pool.take(4 * MiB);
    const small = pool.take(MiB);
    pool.give(big);
    pool.give(small);
    expect(pool.take(MiB)).toBe(small);
    expect(pool.take(2 * MiB)).toBe(big);
  });
});
