import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { StreamParts } from "../../src/transfer/sources/stream-parts.js";

/** A stream of these chunks, in order, each a run of one byte value so the cuts can be checked. */
function chunks(sizes: number[]): { stream: Readable; bytes: Uint8Array } {
  const parts = sizes.map((size, i) => Buffer.alloc(size, i + 1));
  return { stream: Readable.from(parts), bytes: Buffer.concat(parts) };
}

async function readAll(parts: StreamParts): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let n = 1; ; n++) {
    const part = await parts.next(n);
    if (part === null) return out;
    out.push(Uint8Array.from(part));
    parts.release(n);
  }
}

describe("StreamParts", () => {
  it("gives no empty last part when the stream ends exactly on a part boundary", async () => {
    const { stream, bytes } = chunks([10, 10, 10, 10]);
    const parts = new StreamParts(stream, 20, 2);
    const got = await readAll(parts);
    expect(got.map((p) => p.length)).toEqual([20, 20]);
    expect(Buffer.concat(got)).toEqual(Buffer.from(bytes));
    expect(parts.done).toBe(true);
    expect(parts.bytesRead).toBe(40);
  });

  it("knows the stream is done as soon as the last full part is cut (it peeks)", async () => {
    const parts = new StreamParts(chunks([16]).stream, 16, 2);
    expect((await parts.next(1))?.length).toBe(16);
    expect(parts.done).toBe(true);
    expect(await parts.next(2)).toBeNull();
  });

  it("cuts chunks of odd sizes into exact part sizes, the last one short, bytes in order", async () => {
    const { stream, bytes } = chunks([7, 1, 13, 3, 29, 2, 11]); // 66 bytes
    const parts = new StreamParts(stream, 16, 3);
    const got = await readAll(parts);
    expect(got.map((p) => p.length)).toEqual([16, 16, 16, 16, 2]);
    expect(Buffer.concat(got)).toEqual(Buffer.from(bytes));
  });

  it("takes string chunks as their UTF-8 bytes", async () => {
    const parts = new StreamParts(Readable.from(["abc", "defgh"], { objectMode: true }), 4, 2);
    const got = await readAll(parts);
    expect(got.map((p) => Buffer.from(p).toString())).toEqual(["abcd", "efgh"]);
  });

  it("gives nothing for an empty stream", async () => {
    const parts = new StreamParts(Readable.from([]), 8, 2);
    expect(await parts.next(1)).toBeNull();
    expect(parts.done).toBe(true);
  });

  it("with 2 buffers, a third part waits until one is released (back-pressure)", async () => {
    const parts = new StreamParts(chunks([8, 8, 8, 8]).stream, 8, 2);
    const one = await parts.next(1);
    const two = await parts.next(2);
    expect(one?.length).toBe(8);
    expect(two?.length).toBe(8);
    let third = false;
    const pending = parts.next(3).then((bytes) => {
      third = true;
      return bytes;
    });
    // Let every queued callback and I/O turn run: the third part must still be waiting for a buffer.
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    parts.release(1);
    const bytes = await pending;
    expect(third).toBe(true);
    expect(bytes?.[0]).toBe(3);
    // The freed buffer was reused, not a new one made: part 3 lives in part 1's memory.
    expect(bytes?.buffer).toBe(one?.buffer);
  });

  it("ignores the release of a part it does not hold", async () => {
    const parts = new StreamParts(chunks([8]).stream, 8, 1);
    parts.release(42);
    expect((await parts.next(1))?.length).toBe(8);
  });
});
