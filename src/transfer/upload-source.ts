import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

/**
 * What `upload()` reads: a file path, a Node Readable, bytes in memory (a Buffer is a Uint8Array), or a web
 * ReadableStream (fetch's response.body, for one).
 */
export type UploadSource = string | Readable | Uint8Array | WebReadableStream<Uint8Array>;

/**
 * Brings the in-memory and web sources to what the transfer reads: a path or a Node Readable. Bytes keep
 * their size, so the parts are planned for it as for a file; a web stream is of unknown length, like stdin.
 */
export function nodeSource(source: UploadSource): { source: string | Readable; size?: number } {
  if (typeof source === "string" || source instanceof Readable) return { source };
  if (source instanceof Uint8Array) {
    // One chunk, not the bytes one by one (Readable.from iterates a bare Uint8Array).
    return { source: Readable.from([source], { objectMode: false }), size: source.byteLength };
  }
  if (typeof (source as { getReader?: unknown }).getReader === "function") {
    return { source: Readable.fromWeb(source, { objectMode: false }) };
  }
  return { source: source as unknown as Readable };
}
