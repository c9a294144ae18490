import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  JOURNAL_VERSION,
  parseJournal,
  serializeLine,
  type JournalHeader,
} from "../../src/journal/format.js";
import { JournalFile } from "../../src/journal/journal-file.js";

const header: JournalHeader = {
  type: "header",
  version: JOURNAL_VERSION,
  operation: "upload",
  createdAt: "2026-11-21T00:00:00.000Z",
  source: { kind: "file", path: "/data/big.bin", size: 100, mtimeMs: 1, ino: 2, dev: 3 },
  destination: { bucket: "b", key: "k" },
  uploadId: "",
  plan: { objectSize: 100, partSize: 40, partCount: 3, layout: "uniform" },
  checksumAlgorithm: "CRC64NVME",
  checksumType: "FULL_OBJECT",
  attributes: {},
  contentMd5: false,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3xfer-journal-file-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("JournalFile.append after a torn write", () => {
  it("cuts the torn last line, so the lines appended by resume keep the journal readable", async () => {
    const path = join(dir, "j.jsonl");
    const whole =
      serializeLine(header) +
      serializeLine({ type: "upload", uploadId: "u-1" }) +
      serializeLine({ type: "part", partNumber: 1, etag: '"e1"', size: 40 });
    // A full disk (or a crash) took only the start of part 2's line.
    await writeFile(path, whole + '{"type":"part","partNumber":2,"et');
    expect(parseJournal(await readFile(path, "utf8")).tornTail).toBe(true);

    const journal = await JournalFile.append(path);
    await journal.part({ partNumber: 2, etag: '"e2"', size: 40 });
    await journal.close();

    const parsed = parseJournal(await readFile(path, "utf8"));
    expect(parsed.tornTail).toBe(false);
    expect([...parsed.parts.keys()]).toEqual([1, 2]);
    expect(parsed.header.uploadId).toBe("u-1");
  });

  it("leaves a whole journal as it is", async () => {
    const path = join(dir, "j.jsonl");
    const whole = serializeLine(header) + serializeLine({ type: "upload", uploadId: "u-1" });
    await writeFile(path, whole);
    const journal = await JournalFile.append(path);
    await journal.close();
    expect(await readFile(path, "utf8")).toBe(whole);
  });
});
