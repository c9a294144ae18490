import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { StreamWindow } from "../../src/download/stream-window.js";
import {
  downloadJournalHeader,
  downloadJournalPath,
  journaledRanges,
  planFromHeader,
} from "../../src/download/download-journal.js";
import { planDownload } from "../../src/download/download-plan.js";
import { parseJournal, serializeLine } from "../../src/journal/format.js";
import { partRange, partRanges, planUpload } from "../../src/planner/index.js";

const MiB = 1024 * 1024;

function collector() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      // Copy: the window reuses its buffer once the write is done.
      chunks.push(Buffer.from(chunk));
      setImmediate(done);
    },
  });
  return { stream, chunks };
}

describe("StreamWindow", () => {
  const plan = planUpload(40, { partSize: 10, forceMultipart: true, limits: { minPartSize: 1 } });
  const ranges = [...partRanges(plan)];

  it("writes ranges in order whatever order they finish in, and never holds more than its slots", async () => {
    const { stream, chunks } = collector();
    const window = new StreamWindow(stream, 2, 10);
    const fill = (data: Uint8Array, n: number, size: number) => data.fill(n, 0, size);
    const a = await window.acquire(ranges[0]!);
    const b = await window.acquire(ranges[1]!);
    let thirdGiven = false;
    const third = window.acquire(ranges[2]!).then((t) => ((thirdGiven = true), t));
    fill(b.data, 2, 10);
    await window.finished(ranges[1]!);
    // Range 2 is done but cannot be written before range 1: no buffer is free yet.
    expect(chunks).toHaveLength(0);
    expect(thirdGiven).toBe(false);
    fill(a.data, 1, 10);
    await window.finished(ranges[0]!);
    const c = await third;
    // The third range reuses the first written buffer.
    expect(c.data).toBe(a.data);
    fill(c.data, 3, 10);
    await window.finished(ranges[2]!);
    const d = await window.acquire(ranges[3]!);
    fill(d.data, 4, 10);
    await window.finished(ranges[3]!);
    await window.drained();
    window.close();
    expect(Buffer.concat(chunks)).toEqual(Buffer.concat([1, 2, 3, 4].map((n) => Buffer.alloc(10, n))));
  });

  it("a stream that fails makes the download fail", async () => {
    const stream = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error("EPIPE"));
      },
    });
    const window = new StreamWindow(stream, 1, 10);
    await window.acquire(ranges[0]!);
    // A range waiting for a buffer is told too, or the download would wait for ever.
    const waiting = window.acquire(ranges[1]!);
    await expect(window.finished(ranges[0]!)).rejects.toThrow("EPIPE");
    await expect(waiting).rejects.toThrow("EPIPE");
    await expect(window.drained()).rejects.toThrow("EPIPE");
    window.close();
  });
});

describe("download journal", () => {
  it("is keyed by the destination path", () => {
    const env = { XDG_STATE_HOME: "/state" };
    const one = downloadJournalPath("/data/out.bin", env);
    expect(one).toMatch(/^\/state\/s3xfer\/download-out\.bin\.[0-9a-f]{16}\.jsonl$/);
    expect(downloadJournalPath("/other/out.bin", env)).not.toBe(one);
  });

  it("round-trips through the journal format: plan, identity and finished ranges", () => {
    const facts = {
      size: 100 * MiB,
      etag: '"abc-13"',
      versionId: "v7",
      checksum: null,
      partCount: 13,
      partSizes: [...Array<number>(12).fill(8 * MiB), 4 * MiB],
      layout: "inferred" as const,
      etagIsMd5: true,
    };
    const plan = planDownload(facts);
    const header = downloadJournalHeader({
      bucket: "b",
      key: "k",
      destination: "/data/out.bin",
      overwrite: false,
      facts,
      plan,
    });
    const text =
      serializeLine(header) +
      serializeLine({ type: "part", partNumber: 2, etag: "", size: 8 * MiB, md5: "aa" }) +
      serializeLine({ type: "part", partNumber: 13, etag: "", size: 4 * MiB, md5: "bb" });
    const parsed = parseJournal(text);
    expect(parsed.header).toMatchObject({
      operation: "download",
      source: { kind: "s3", bucket: "b", key: "k", versionId: "v7", etag: '"abc-13"', size: 100 * MiB },
      download: { path: "/data/out.bin", overwrite: false },
      contentMd5: true,
      checksumAlgorithm: null,
    });
    const back = planFromHeader(parsed.header);
    expect([...partRanges(back)]).toEqual([...partRanges(plan.plan)]);
    const done = journaledRanges(parsed, back);
    expect([...done.keys()]).toEqual([2, 13]);
    expect(done.get(13)).toEqual({ start: partRange(back, 13).start, size: 4 * MiB, md5: "bb" });
  });
});
