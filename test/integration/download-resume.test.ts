import { mkdir, open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { download, resumeDownload, upload, TransferError } from "../../src/index.js";
import { downloadJournalPath } from "../../src/download/download-journal.js";
import { JournalFile } from "../../src/journal/journal-file.js";
import { MiB } from "../../src/planner/limits.js";
import { createTestBucket, emptyAndDeleteBucket, testClient, testConnection } from "../support/local-s3.js";
import { randomFile, scratchDir, sha256OfFile } from "../support/objects.js";
import { runCli, seededRandom, startCli } from "../support/cli.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";

const client = testClient();
const connection = testConnection();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let outDir: string;
let proxy: FaultProxy;
let sha: string;
// 8 parts of 5 MiB: the download fetches them as 8 ranges (the layout gives the ETag check).
const SIZE = 40 * MiB;
const RANGES = 8;

beforeAll(async () => {
  bucket = await createTestBucket("download-resume");
  scratch = await scratchDir();
  outDir = join(scratch.dir, "out");
  await mkdir(outDir);
  const src = join(scratch.dir, "src.bin");
  sha = await randomFile(src, SIZE);
  await upload({ ...connection, source: src, bucket, key: "obj", partSize: 5 * MiB });
  // A pass-through proxy: it counts the GETs a resume sends.
  proxy = await startFaultProxy();
});

afterAll(async () => {
  await proxy.close();
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

async function partials(): Promise<string[]> {
  return (await readdir(outDir)).filter((f) => f.endsWith(".s3xfer-partial"));
}

describe("kill -9 at seeded random moments, then s3xfer resume PATH", () => {
  const runs = Number(process.env.S3XFER_KILL_RUNS ?? 5);
  const seed = Number(process.env.S3XFER_KILL_SEED ?? 20261204);

  it(`${runs} kills: byte-identical, no partial file left, finished ranges never fetched again`, async () => {
    const random = seededRandom(seed);
    const args = (dest: string) => ["cp", `s3://${bucket}/obj`, dest, "--concurrency", "2", "--no-progress"];
    const t0 = Date.now();
    const calibrate = await runCli(args(join(outDir, "calibrate")));
    expect(calibrate.code, calibrate.stderr).toBe(0);
    const full = Date.now() - t0;
    const figures = {
      runs: 0,
      killedMidway: 0,
      finishedBeforeKill: 0,
      killedBeforeJournal: 0,
      rangesResumed: 0,
      rangesFetchedOnResume: 0,
      getsOnResume: 0,
    };
    for (let i = 0; i < runs; i++) {
      const dest = join(outDir, `killed-${i}`);
      const delay = Math.floor(200 + random() * full);
      const { child, done } = startCli(args(dest));
      const timer = setTimeout(() => child.kill("SIGKILL"), delay);
      const run = await done;
      clearTimeout(timer);
      figures.runs++;
      if (run.code === 0) {
        figures.finishedBeforeKill++;
      } else {
        figures.killedMidway++;
        const journalPath = downloadJournalPath(dest);
        const journal = await JournalFile.read(journalPath).catch(() => undefined);
        proxy.resetStats();
        const resumed = await runCli(["resume", dest, "--json", "--endpoint-url", proxy.url]);
        if (!journal) {
          // Killed before the journal existed: nothing was written, nothing can be resumed.
          figures.killedBeforeJournal++;
          expect(resumed.code).toBe(2);
          expect(resumed.stderr).toMatch(/no journal/);
          await expect(stat(`${dest}.s3xfer-partial`)).rejects.toThrow();
          const again = await runCli(args(dest));
          expect(again.code, again.stderr).toBe(0);
        } else {
          expect(resumed.code, `run ${i} (kill after ${delay} ms): ${resumed.stderr}`).toBe(0);
          const last = JSON.parse(resumed.stdout.trim().split("\n").pop()!);
          // The last --json line is the complete event (or, before the event schema, the result itself).
          const result = last.result ?? last;
          const gets = proxy.stats.byOperation.GetObject ?? 0;
          // Every range the journal had finished is taken from the partial file, none is fetched again.
          expect(result.partsResumed).toBe(journal.parts.size);
          expect(result.partsResumed + result.partsSent).toBe(RANGES);
          expect(gets).toBe(result.partsSent);
          expect(result.verified.etag).toBe("ok");
          figures.rangesResumed += result.partsResumed;
          figures.rangesFetchedOnResume += result.partsSent;
          figures.getsOnResume += gets;
        }
      }
      expect(await sha256OfFile(dest), `run ${i} (kill after ${delay} ms)`).toBe(sha);
      expect(await partials()).toEqual([]);
    }
    console.log(`download kill -9 loop (seed ${seed}, one full run ${full} ms):`, JSON.stringify(figures));
    expect(figures.killedMidway).toBeGreaterThan(0);
  });
});

describe("resume in the library", () => {
  async function interrupted(name: string): Promise<{ dest: string; journal: string }> {
    const dest = join(outDir, name);
    const controller = new AbortController();
    let ranges = 0;
    const error = await download({
      ...connection,
      bucket,
      key: "obj",
      destination: dest,
      concurrency: 1,
      signal: controller.signal,
      keepForResume: true,
      onEvent: (e) => {
        if (e.type === "part" && ++ranges === 3) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("INTERRUPTED");
    expect((error as TransferError).message).toMatch(/s3xfer resume/);
    await stat(`${dest}.s3xfer-partial`);
    await expect(stat(dest)).rejects.toThrow();
    return { dest, journal: downloadJournalPath(dest) };
  }

  it("Ctrl-C keeps the partial file; resume fetches only the rest; a second cp is refused meanwhile", async () => {
    const { dest, journal } = await interrupted("ctrl-c");
    const refused = await runCli(["cp", `s3://${bucket}/obj`, dest]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/unfinished download .*s3xfer resume/);
    const finished = (await JournalFile.read(journal)).parts.size;
    expect(finished).toBeGreaterThanOrEqual(3);
    const result = await resumeDownload(journal, connection);
    expect(result.partsResumed).toBe(finished);
    expect(result.partsSent).toBe(RANGES - finished);
    expect(await sha256OfFile(dest)).toBe(sha);
    // Resuming a finished download gives its result again.
    expect((await resumeDownload(journal, connection)).etag).toBe(result.etag);
  });

  it("a damaged finished range is caught by re-reading it and fetched again", async () => {
    const { dest, journal } = await interrupted("damaged");
    const handle = await open(`${dest}.s3xfer-partial`, "r+");
    await handle.write(Buffer.from("damage"), 0, 6, 5 * MiB + 100);
    await handle.close();
    const finished = (await JournalFile.read(journal)).parts.size;
    proxy.resetStats();
    const result = await resumeDownload(journal, { ...connection, endpoint: proxy.url });
    expect(result.partsResumed).toBe(finished - 1);
    expect(result.notes.join()).toMatch(/1 finished range\(s\) did not match the journal/);
    expect(proxy.stats.byOperation.GetObject).toBe(RANGES - finished + 1);
    expect(await sha256OfFile(dest)).toBe(sha);
  });

  it("an object changed since the start is refused; restart downloads the new one", async () => {
    const key = "changes";
    const src = join(scratch.dir, "changes.bin");
    await randomFile(src, 20 * MiB);
    await upload({ ...connection, source: src, bucket, key, partSize: 5 * MiB });
    const dest = join(outDir, "changes");
    const controller = new AbortController();
    await download({
      ...connection,
      bucket,
      key,
      destination: dest,
      concurrency: 1,
      signal: controller.signal,
      keepForResume: true,
      onEvent: (e) => e.type === "part" && controller.abort(),
    }).catch(() => undefined);
    const replacement = Buffer.alloc(3 * MiB, 9);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: replacement }));
    const journal = downloadJournalPath(dest);
    const refused = await resumeDownload(journal, connection).catch((e: unknown) => e);
    expect((refused as TransferError).code).toBe("SOURCE_CHANGED");
    expect((refused as TransferError).message).toMatch(/changed since the download started .*--restart/);
    const cli = await runCli(["resume", dest, "--restart"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect((await stat(dest)).size).toBe(replacement.length);
    expect(await partials()).toEqual([]);
  });
});
