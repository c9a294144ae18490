import { Readable } from "node:stream";
import { ReadableStream } from "node:stream/web";
import { describe, expect, it } from "vitest";
import { nodeSource } from "../../src/transfer/upload-source.js";

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

describe("upload sources", () => {
  it("pass a path and a Node stream through", () => {
    const stream = Readable.from([Buffer.from("x")]);
    expect(nodeSource("/some/file")).toEqual({ source: "/some/file" });
    expect(nodeSource(stream).source).toBe(stream);
  });

  it("turn bytes into a stream of the same bytes, and say their size", async () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const converted = nodeSource(bytes);
    expect(converted.size).toBe(5);
    expect([...(await bytesOf(converted.source as Readable))]).toEqual([1, 2, 3, 4, 5]);
    const buffer = Buffer.from("hello");
    expect((await bytesOf(nodeSource(buffer).source as Readable)).toString()).toBe("hello");
  });

  it("turn a web ReadableStream into a Node stream of unknown length", async () => {
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("ab"));
        controller.enqueue(new TextEncoder().encode("cd"));
        controller.close();
      },
    });
    const converted = nodeSource(web);
    expect(converted.size).toBeUndefined();
    expect((await bytesOf(converted.source as Readable)).toString()).toBe("abcd");
  });
});
