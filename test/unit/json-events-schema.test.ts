import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateJson } from "../support/json-schema.js";
import { stampEvent } from "../../src/transfer/transfer-events.js";
import type { TransferEventData } from "../../src/transfer/events.js";

const schema = JSON.parse(
  readFileSync(new URL("../../docs/json-events.schema.json", import.meta.url), "utf8"),
) as Record<string, unknown>;
const doc = readFileSync(new URL("../../docs/json-events.md", import.meta.url), "utf8");

const result = {
  operation: "upload",
  bucket: "b",
  key: "k",
  etag: '"0b153f773a982ef8f70e3ef929258ef0-64"',
  size: 1073741824,
  request: "multipart",
  parts: 64,
  partSize: 16777216,
  checksumAlgorithm: "CRC64NVME",
  checksumType: "FULL_OBJECT",
  checksum: "R9EaTULkDhQ=",
  verified: { size: "ok", checksum: "ok", etag: "not checked", summary: "size ok" },
  retries: 0,
  throttles: 0,
  partsResumed: 0,
  partsSent: 64,
  durationMs: 4800,
  journalPath: "/home/u/.local/state/s3xfer/b-k.0123456789abcdef.jsonl",
  notes: [],
};

const examples: TransferEventData[] = [
  {
    type: "start",
    operation: "upload",
    bucket: "b",
    key: "k",
    source: "/data/big.bin",
    size: null,
    request: "multipart",
    partSize: 8388608,
    partCount: null,
    concurrency: 8,
    checksumAlgorithm: "CRC64NVME",
    uploadId: "2~abc",
    notes: [],
  },
  {
    type: "progress",
    bytesDone: 0,
    totalBytes: null,
    partsDone: 0,
    partCount: null,
    concurrency: 8,
    bytesPerSecond: 0,
    partsResumed: 3,
  },
  { type: "part", partNumber: 1, bytes: 8388608, etag: '"e"', checksum: "x", attempts: 1, durationMs: 812 },
  {
    type: "retry",
    partNumber: 2,
    attempt: 1,
    delayMs: 250,
    code: "SlowDown",
    message: "slow down",
    throttle: true,
    concurrency: 4,
  },
  { type: "note", message: "hello" },
  { type: "complete", result: result as never },
  {
    type: "error",
    code: "TRANSFER_FAILED",
    message: "no",
    bucket: "b",
    key: "k",
    uploadId: "u",
    partNumber: 3,
  },
];

describe("docs/json-events.schema.json", () => {
  it.each(examples.map((e) => [e.type, e]))("accepts a %s event as the library stamps it", (_type, event) => {
    expect(validateJson(schema, stampEvent(event))).toEqual([]);
  });

  it("accepts the CLI's error event (exit code, journal, resume command)", () => {
    const event = {
      ...stampEvent({ type: "error", code: "INTERRUPTED", message: "interrupted" }),
      exitCode: 130,
      journalPath: "/j.jsonl",
      resumeCommand: "s3xfer resume s3://b/k",
    };
    expect(validateJson(schema, event)).toEqual([]);
  });

  it.each([
    ["an event without its time", { ...stampEvent({ type: "note", message: "m" }), time: undefined }],
    ["another schema version", { ...stampEvent({ type: "note", message: "m" }), schemaVersion: 2 }],
    ["an unknown event type", { ...stampEvent({ type: "note", message: "m" }), type: "hello" }],
    ["an undocumented field", { ...stampEvent({ type: "note", message: "m" }), extra: 1 }],
    [
      "the result without its type (the old last line)",
      { ...result, schemaVersion: 1, time: "2026-12-04T17:00:00.000Z" },
    ],
    ["a progress event with a fractional byte count", { ...stampEvent(examples[1]!), bytesDone: 1.5 }],
    ["a local time", { ...stampEvent({ type: "note", message: "m" }), time: "2026-12-04 17:00" }],
  ])("refuses %s", (_name, event) => {
    const cleaned = JSON.parse(JSON.stringify(event)) as unknown;
    expect(validateJson(schema, cleaned)).not.toEqual([]);
  });

  it("every field of every event is documented in docs/json-events.md", () => {
    const defs = schema.$defs as Record<string, { properties?: Record<string, unknown> }>;
    for (const [name, def] of Object.entries(defs)) {
      for (const field of Object.keys(def.properties ?? {}))
        expect(doc, `${name}.${field}`).toContain(`\`${field}\``);
    }
  });
});
