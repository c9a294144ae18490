import { afterEach, describe, expect, it } from "vitest";
import { ProgressDisplay, summaryLine, type DisplayTerminal } from "../../src/cli/progress-display.js";
import { TransferError } from "../../src/errors.js";
import { defaultJournalPath } from "../../src/journal/location.js";
import type { TransferEventData } from "../../src/transfer/events.js";
import type { TransferResult } from "../../src/transfer/result.js";
import { stampEvent } from "../../src/transfer/transfer-events.js";

const MiB = 1024 * 1024;

function fakeTerminal(columns = 80) {
  let t = 0;
  const err: string[] = [];
  const out: string[] = [];
  const terminal: DisplayTerminal = {
    columns: () => columns,
    now: () => t,
    writeErr: (text) => err.push(text),
    writeOut: (text) => out.push(text),
  };
  return { terminal, err, out, advance: (ms: number) => (t += ms) };
}

const result: TransferResult = {
  operation: "upload",
  bucket: "b",
  key: "k",
  etag: '"abc-4"',
  size: 32 * MiB,
  request: "multipart",
  parts: 4,
  partSize: 8 * MiB,
  checksumAlgorithm: "CRC64NVME",
  checksumType: "FULL_OBJECT",
  checksum: "AAAAAAAAAAA=",
  verified: { size: "ok", checksum: "ok", etag: "not checked", summary: "size and CRC64NVME match" },
  retries: 0,
  throttles: 0,
  partsResumed: 0,
  partsSent: 4,
  durationMs: 2_000,
  notes: [],
};

const start: TransferEventData = {
  type: "start",
  operation: "upload",
  bucket: "b",
  key: "k",
  source: "file",
  size: 32 * MiB,
  request: "multipart",
  partSize: 8 * MiB,
  partCount: 4,
  concurrency: 8,
  checksumAlgorithm: "CRC64NVME",
  notes: [],
};

const progress = (bytesDone: number, partsDone: number): TransferEventData => ({
  type: "progress",
  bytesDone,
  totalBytes: 32 * MiB,
  partsDone,
  partCount: 4,
  concurrency: 8,
  bytesPerSecond: 0,
});

const displays: ProgressDisplay[] = [];
afterEach(() => {
  for (const d of displays.splice(0)) d.finish();
});

describe("--json", () => {
  it("throttles progress but always prints the last figures, and ends with the complete event", () => {
    const fake = fakeTerminal();
    const display = new ProgressDisplay("json", fake.terminal);
    display.onEvent(stampEvent(start));
    display.onEvent(stampEvent(progress(0, 0)));
    fake.advance(100);
    display.onEvent(stampEvent(progress(8 * MiB, 1))); // within 500 ms: held
    fake.advance(100);
    display.onEvent(stampEvent(progress(32 * MiB, 4))); // held, replaces the one before
    display.onEvent(stampEvent({ type: "complete", result }));
    display.finish();
    display.printResult(result);
    const lines = fake.out
      .join("")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(["start", "progress", "progress", "complete"]);
    expect(lines[2]).toMatchObject({ bytesDone: 32 * MiB, totalBytes: 32 * MiB });
    expect(lines[3]).toMatchObject({ type: "complete", schemaVersion: 1, result });
    for (const line of lines) expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("makes the complete event itself when the library sent none", () => {
    const fake = fakeTerminal();
    const display = new ProgressDisplay("json", fake.terminal);
    display.printResult(result);
    expect(JSON.parse(fake.out.join(""))).toMatchObject({ type: "complete", schemaVersion: 1, result });
  });

  it("ends a kept upload's failure with code, exit code, journal and the resume command", () => {
    const fake = fakeTerminal();
    const display = new ProgressDisplay("json", fake.terminal);
    const journalPath = defaultJournalPath("b", "dir/k");
    display.onEvent(
      stampEvent({
        type: "error",
        code: "INTERRUPTED",
        message: "interrupted",
        bucket: "b",
        key: "dir/k",
        journalPath,
      }),
    );
    const error = new TransferError(
      "INTERRUPTED",
      "interrupted; the upload was kept",
      { bucket: "b", key: "dir/k", uploadId: "U1" },
      { exitCode: 130, journalPath },
    );
    display.finish();
    display.printFailure(error, 143);
    const event = JSON.parse(fake.out.join("")) as Record<string, unknown>;
    expect(event).toMatchObject({
      type: "error",
      schemaVersion: 1,
      code: "INTERRUPTED",
      exitCode: 143,
      bucket: "b",
      key: "dir/k",
      uploadId: "U1",
      journalPath,
      resumeCommand: "s3xfer resume s3://b/dir/k",
    });
  });
});

describe("the bar", () => {
  it("draws within the width, and erases itself on finish", () => {
    const fake = fakeTerminal(80);
    const display = new ProgressDisplay("bar", fake.terminal);
    displays.push(display);
    display.onEvent(stampEvent(start));
    display.onEvent(stampEvent(progress(0, 0)));
    fake.advance(2_000);
    display.onEvent(stampEvent(progress(16 * MiB, 2)));
    const last = fake.err.at(-1)!;
    expect(last.startsWith("\r\x1b[K")).toBe(true);
    const line = last.slice(4);
    expect(line.length).toBeLessThanOrEqual(77);
    expect(line).toContain("50%  16.0 MiB / 32.0 MiB");
    expect(line).toContain("8.00 MiB/s");
    expect(line).toContain("ETA 2s");
    display.finish();
    expect(fake.err.at(-1)).toBe("\r\x1b[K");
  });

  it("after an interrupt erases the bar and never draws it again", () => {
    const fake = fakeTerminal(80);
    const display = new ProgressDisplay("bar", fake.terminal);
    displays.push(display);
    display.onEvent(stampEvent(start));
    display.onEvent(stampEvent(progress(8 * MiB, 1)));
    display.interrupted();
    expect(fake.err.at(-1)).toBe("\r\x1b[K");
    const count = fake.err.length;
    display.onEvent(stampEvent(progress(16 * MiB, 2)));
    display.finish();
    expect(fake.err.length).toBe(count);
  });

  it("a resumed transfer's bar starts at its offset and its rate counts only this run", () => {
    const fake = fakeTerminal(120);
    const display = new ProgressDisplay("bar", fake.terminal);
    displays.push(display);
    display.onEvent(stampEvent(start));
    display.onEvent(stampEvent({ ...progress(24 * MiB, 3), partsResumed: 3 } as TransferEventData));
    expect(fake.err.at(-1)).toContain("75%");
    fake.advance(4_000);
    display.onEvent(stampEvent(progress(32 * MiB, 4)));
    expect(fake.err.at(-1)).toContain("2.00 MiB/s");
    display.finish();
    display.printResult({ ...result, partsResumed: 3, partsSent: 1, durationMs: 4_000 });
    expect(fake.out.join("")).toContain("(2.00 MiB/s)");
    expect(fake.out.join("")).toContain("3 resumed, 1 sent: 8 MiB in this run");
  });

  it("prints notes on their own row, the bar redrawn below", () => {
    const fake = fakeTerminal(80);
    const display = new ProgressDisplay("bar", fake.terminal);
    displays.push(display);
    display.onEvent(stampEvent(start));
    display.onEvent(stampEvent(progress(8 * MiB, 1)));
    display.onEvent(stampEvent({ type: "note", message: "hello" }));
    const [clear, note, redraw] = fake.err.slice(-3);
    expect([clear, note]).toEqual(["\r\x1b[K", "note: hello\n"]);
    expect(redraw!.startsWith("\r\x1b[K█")).toBe(true);
  });
});

describe("summaryLine", () => {
  it("gives the rate with its unit", () => {
    expect(summaryLine(result)).toContain("in 2.0 s (16.0 MiB/s)");
  });
});
