import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RandomDataStream, writeRandomFile, type Filler } from "../../src/bench/random-data.js";

/** A predictable filler: byte i of the whole stream is i mod 251. */
function counting(): Filler {
  let position = 0;
  return (buffer) => {
    for (let i = 0; i < buffer.length; i++) buffer[i] = (position + i) % 251;
    position += buffer.length;
  };
}

async function collect(stream: RandomDataStream): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks;
}

describe("RandomDataStream", () => {
  it("gives exactly size bytes in chunks of chunkSize, the last one shorter", async () => {
    const chunks = await collect(new RandomDataStream(10_000, { chunkSize: 4096, fill: counting() }));
    expect(chunks.map((c) => c.length)).toEqual([4096, 4096, 1808]);
    const all = Buffer.concat(chunks);
    expect(all.every((byte, i) => byte === i % 251)).toBe(true);
  });

  it("every chunk is its own buffer (a consumer may keep them)", async () => {
    const chunks = await collect(new RandomDataStream(3 * 1024, { chunkSize: 1024, fill: counting() }));
    const before = Buffer.concat(chunks.slice(1));
    chunks[0]!.fill(0xff);
    expect(Buffer.concat(chunks.slice(1)).equals(before)).toBe(true);
    expect(chunks[2]![0]).toBe(2048 % 251);
  });

  it("is random by default: two streams differ", async () => {
    const a = Buffer.concat(await collect(new RandomDataStream(4096)));
    const b = Buffer.concat(await collect(new RandomDataStream(4096)));
    expect(a.length).toBe(4096);
    expect(a.equals(b)).toBe(false);
  });

  it("an empty stream ends at once", async () => {
    expect(await collect(new RandomDataStream(0))).toEqual([]);
  });

  it("refuses negative sizes and empty chunks", () => {
    expect(() => new RandomDataStream(-1)).toThrow(RangeError);
    expect(() => new RandomDataStream(10, { chunkSize: 0 })).toThrow(RangeError);
  });

  it("never holds more than a few chunks however large the stream", async () => {
    const size = 64 * 1024 * 1024;
    const stream = new RandomDataStream(size, { chunkSize: 64 * 1024, fill: () => undefined });
    let total = 0;
    let maxBuffered = 0;
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      maxBuffered = Math.max(maxBuffered, stream.readableLength);
    }
    expect(total).toBe(size);
    expect(maxBuffered).toBeLessThanOrEqual(2 * 64 * 1024);
  });
});

describe("writeRandomFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "s3xfer-bench-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes exactly size bytes, chunk by chunk", async () => {
    const file = path.join(dir, "a.bin");
    await writeRandomFile(file, 10_000, { chunkSize: 4096, fill: counting() });
    const data = await readFile(file);
    expect(data.length).toBe(10_000);
    expect(data.every((byte, i) => byte === i % 251)).toBe(true);
  });

  it("truncates an existing file and handles size 0", async () => {
    const file = path.join(dir, "b.bin");
    await writeRandomFile(file, 5000);
    await writeRandomFile(file, 0);
    expect((await stat(file)).size).toBe(0);
  });

  it("stops when the signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(
      writeRandomFile(path.join(dir, "c.bin"), 1 << 20, { signal: controller.signal }),
    ).rejects.toThrow("stop");
  });
});
