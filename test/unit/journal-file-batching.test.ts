import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { JOURNAL_VERSION, parseJournal, type JournalHeader } from "../../src/journal/format.js";
import { JournalFile } from "../../src/journal/journal-file.js";

const header: JournalHeader = {
  type: "header",
  version: JOURNAL_VERSION,
  operation: "upload",
  createdAt: "2026-11-21T00:00:00.000Z",
  source: { kind: "file", path: "/data/big.bin", size: 4000, mtimeMs: 1, ino: 2, dev: 3 },
  destination: { bucket: "b", key: "k" },
  uploadId: "",
  plan: { objectSize: 4000, partSize: 40, partCount: 100, layout: "uniform" },
  checksumAlgorithm: "CRC64NVME",
  checksumType: "FULL_OBJECT",
  attributes: {},
  contentMd5: false,
};

const part = (n: number) => ({ partNumber: n, etag: `"etag-${n}"`, size: 40, checksum: `c${n}` });

/** Counts the fsyncs of an open journal; `next` resolves at the next one (so no test waits on a clock). */
function countSyncs(journal: JournalFile) {
  const handle = (journal as unknown as { handle: FileHandle }).handle;
  const realSync = handle.sync.bind(handle);
  const counter = { count: 0, next: Promise.resolve() };
  let wake: () => void = () => undefined;
  counter.next = new Promise<void>((resolve) => (wake = resolve));
  handle.sync = async () => {
    await realSync();
    counter.count++;
    wake();
    counter.next = new Promise<void>((resolve) => (wake = resolve));
  };
  return counter;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "s3xfer-journal-file-"));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

describe("JournalFile", () => {
  it("batches fsyncs: many parts written, one fsync on flush, and every line readable back", async () => {
    // Only the batching timer is faked: it never fires on its own, so the count below is exact.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const file = path.join(dir, "j.jsonl");
    const journal = await JournalFile.create(file, header);
    const syncs = countSyncs(journal);
    await journal.uploadCreated("u-1");
    expect(syncs.count).toBe(1); // the upload id is durable at once
    await Promise.all(Array.from({ length: 100 }, (_, i) => journal.part(part(i + 1))));
    expect(syncs.count).toBe(1); // 100 lines written, none fsynced yet
    await journal.flush();
    expect(syncs.count).toBe(2); // one fsync for all of them
    await journal.flush();
    expect(syncs.count).toBe(2); // nothing pending: no fsync
    const parsed = parseJournal(await readFile(file, "utf8"));
    expect(parsed.header.uploadId).toBe("u-1");
    expect([...parsed.parts.keys()]).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    await journal.close();
  });

  it("fsyncs a written part when the batch interval ends, once for the whole batch", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const journal = await JournalFile.create(path.join(dir, "j.jsonl"), header);
    const syncs = countSyncs(journal);
    await journal.part(part(1));
    await journal.part(part(2));
    expect(syncs.count).toBe(0);
    const synced = syncs.next;
    vi.runOnlyPendingTimers();
    await synced;
    expect(syncs.count).toBe(1);
    await journal.close();
    expect(syncs.count).toBe(1); // close had nothing left to make durable
  });

  it("makes `finish` durable at once and closes cleanly", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const file = path.join(dir, "j.jsonl");
    const journal = await JournalFile.create(file, header);
    const syncs = countSyncs(journal);
    await journal.part(part(1));
    await journal.finish({ type: "completed", etag: '"x-1"' });
    expect(syncs.count).toBe(1);
    await journal.close();
    const parsed = await JournalFile.read(file);
    expect(parsed.end).toMatchObject({ type: "completed", etag: '"x-1"' });
    expect(parsed.parts.size).toBe(1);
  });

  it("never interleaves lines when many parts race", async () => {
    const file = path.join(dir, "j.jsonl");
    const journal = await JournalFile.create(file, header);
    // Lines long enough that an unserialized write could be split by another.
    const big = (n: number) => ({ ...part(n), md5: String(n).padStart(32, "0"), checksum: "x".repeat(2000) });
    await Promise.all(Array.from({ length: 200 }, (_, i) => journal.part(big(i + 1))));
    await journal.close();
    const lines = (await readFile(file, "utf8")).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(201);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(parseJournal(lines.join("\n") + "\n").parts.size).toBe(200);
  });

  it("ignores a torn last line, and resume appends after it so the journal still parses", async () => {
    const file = path.join(dir, "j.jsonl");
    const first = await JournalFile.create(file, header);
    await first.uploadCreated("u-1");
    await first.part(part(1));
    await first.part(part(2));
    await first.close();
    // A crash in the middle of writing part 3's line.
    await appendFile(file, '{"type":"part","partNumber":3,"etag":"\\"et');
    const torn = await JournalFile.read(file);
    expect(torn.tornTail).toBe(true);
    expect([...torn.parts.keys()]).toEqual([1, 2]);

    const resumed = await JournalFile.append(file);
    await resumed.part(part(3));
    await resumed.part(part(4));
    await resumed.close();
    const parsed = await JournalFile.read(file);
    expect(parsed.tornTail).toBe(false);
    expect(parsed.header.uploadId).toBe("u-1");
    expect([...parsed.parts.keys()]).toEqual([1, 2, 3, 4]);
    expect(parsed.parts.get(3)?.etag).toBe('"etag-3"');
  });
});
