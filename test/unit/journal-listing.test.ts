import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serializeLine, JOURNAL_VERSION, type JournalHeader } from "../../src/journal/format.js";
import { listJournals, pruneJournals } from "../../src/journal/journal-listing.js";

let dir: string;
const DAY = 86_400_000;

const header = (key: string): JournalHeader => ({
  type: "header",
  version: JOURNAL_VERSION,
  operation: "upload",
  createdAt: "2026-12-01T00:00:00.000Z",
  source: { kind: "file", path: `/data/${key}`, size: 10, mtimeMs: 1, ino: 1, dev: 1 },
  destination: { bucket: "b", key },
  uploadId: "",
  plan: { objectSize: 10, partSize: 10, partCount: 1, layout: "uniform" },
  checksumAlgorithm: null,
  checksumType: null,
  attributes: {},
  contentMd5: false,
});

async function journal(name: string, lines: string[], ageDays: number): Promise<void> {
  const path = join(dir, `${name}.jsonl`);
  await writeFile(path, lines.join(""));
  const when = (Date.now() - ageDays * DAY) / 1000;
  await utimes(path, when, when);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3xfer-journals-"));
  await journal(
    "unfinished-old",
    [serializeLine(header("a")), serializeLine({ type: "upload", uploadId: "u1" })],
    30,
  );
  await journal(
    "completed-old",
    [
      serializeLine(header("b")),
      serializeLine({ type: "completed", at: "2026-12-01T01:00:00.000Z", etag: '"e"' }),
    ],
    30,
  );
  await journal(
    "aborted-new",
    [
      serializeLine(header("c")),
      serializeLine({ type: "aborted", at: "2026-12-03T01:00:00.000Z", reason: "x" }),
    ],
    0,
  );
  await journal("garbage-old", ["not json\nat all\n"], 30);
});

afterEach(() => rm(dir, { recursive: true, force: true }));

describe("journals ls and prune", () => {
  it("lists every journal with its state, destination and upload", async () => {
    const entries = await listJournals(dir);
    const byState = Object.fromEntries(entries.map((e) => [e.path.split("/").pop(), e.state]));
    expect(byState).toEqual({
      "aborted-new.jsonl": "aborted",
      "completed-old.jsonl": "completed",
      "garbage-old.jsonl": "unreadable",
      "unfinished-old.jsonl": "unfinished",
    });
    expect(entries.find((e) => e.state === "unfinished")).toMatchObject({
      destination: "s3://b/a",
      uploadId: "u1",
    });
  });

  it("prunes finished and unreadable journals older than the limit, never an unfinished one", async () => {
    const dry = await pruneJournals(7 * DAY, { directory: dir, dryRun: true });
    expect(dry.removed.map((e) => e.state).sort()).toEqual(["completed", "unreadable"]);
    expect(await readdir(dir)).toHaveLength(4);
    await pruneJournals(7 * DAY, { directory: dir });
    expect((await readdir(dir)).sort()).toEqual(["aborted-new.jsonl", "unfinished-old.jsonl"]);
    await pruneJournals(0, { directory: dir });
    expect(await readdir(dir)).toEqual(["unfinished-old.jsonl"]);
  });
});
