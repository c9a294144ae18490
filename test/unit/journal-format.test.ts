import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  JOURNAL_VERSION,
  JournalFormatError,
  parseJournal,
  serializeLine,
  type JournalHeader,
} from "../../src/journal/format.js";
import { journalFileName } from "../../src/journal/location.js";

const header: JournalHeader = {
  type: "header",
  version: JOURNAL_VERSION,
  operation: "upload",
  createdAt: "2026-11-21T00:00:00.000Z",
  source: { kind: "file", path: "/data/big.bin", size: 100, mtimeMs: 1, ino: 2, dev: 3 },
  destination: { bucket: "b", key: "k" },
  uploadId: "u-1",
  plan: { objectSize: 100, partSize: 40, partCount: 3, layout: "uniform" },
  checksumAlgorithm: "CRC64NVME",
  checksumType: "FULL_OBJECT",
  attributes: { metadata: { a: "1" } },
  contentMd5: false,
};

const part = (n: number, etag = `"e${n}"`) => serializeLine({ type: "part", partNumber: n, etag, size: 40 });

describe("parseJournal", () => {
  it("reads a header, parts and the end", () => {
    const text =
      serializeLine(header) +
      part(1) +
      part(2) +
      serializeLine({ type: "completed", at: "t", etag: '"x-3"' });
    const parsed = parseJournal(text);
    expect(parsed.header.uploadId).toBe("u-1");
    expect([...parsed.parts.keys()]).toEqual([1, 2]);
    expect(parsed.end?.type).toBe("completed");
    expect(parsed.tornTail).toBe(false);
  });

  it("the last line for a part wins (a redone part is appended again)", () => {
    const parsed = parseJournal(serializeLine(header) + part(1, '"old"') + part(1, '"new"'));
    expect(parsed.parts.get(1)?.etag).toBe('"new"');
  });

  it("ignores a torn last line at every possible cut", () => {
    const full = serializeLine(header) + part(1) + part(2);
    const lastStart = full.length - part(2).length;
    for (let cut = lastStart + 1; cut < full.length; cut++) {
      const parsed = parseJournal(full.slice(0, cut));
      expect([...parsed.parts.keys()]).toEqual([1]);
      expect(parsed.tornTail).toBe(true);
    }
  });

  it("refuses a file whose damage is not at the end", () => {
    const text = serializeLine(header) + "{not json\n" + part(2);
    expect(() => parseJournal(text)).toThrow(JournalFormatError);
  });

  it("refuses a file that does not start with a header, or of another version", () => {
    expect(() => parseJournal(part(1))).toThrow(/not a journal header/);
    expect(() => parseJournal(serializeLine({ ...header, version: 99 }))).toThrow(/version 99/);
    expect(() => parseJournal("")).toThrow(JournalFormatError);
  });

  it("property: any prefix of a valid journal parses to a prefix of its parts", () => {
    const lines = [serializeLine(header), ...Array.from({ length: 20 }, (_, i) => part(i + 1))];
    const full = lines.join("");
    fc.assert(
      fc.property(fc.integer({ min: lines[0]!.length, max: full.length }), (cut) => {
        const parsed = parseJournal(full.slice(0, cut));
        const numbers = [...parsed.parts.keys()];
        expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      }),
    );
  });
});

describe("journalFileName", () => {
  it("is stable, unique per destination, and safe as a file name", () => {
    expect(journalFileName("b", "k")).toBe(journalFileName("b", "k"));
    expect(journalFileName("b", "a/b")).not.toBe(journalFileName("b", "a_b"));
    expect(journalFileName("bucket", "../../etc/passwd")).not.toContain("/");
    expect(journalFileName("bucket", "x".repeat(1000)).length).toBeLessThan(120);
  });
});
