// Faults that need a real server going away, against a Ceph instance of this file's own (never the shared
// one): radosgw killed and restarted mid-upload and mid-copy, frozen with SIGSTOP, a lost
// CreateMultipartUpload reply, a journal disk that fills up, SIGTERM while parts hang. Then the chaos
// rounds: seeded, each checked for what must always hold (test/support/chaos-checks.ts).
//
//   CHAOS_SEED=n        the seed (printed; a failure names it and its round)
//   CHAOS_ROUNDS=n      passes over the schedule (default 1; `npm run chaos` runs more)
//   CHAOS_ONLY_ROUND=i  replay one round of a seed
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";
import { resume, upload, TransferError } from "../../src/index.js";
import { journalDirectory, journalFileName } from "../../src/journal/location.js";
import { MiB } from "../../src/planner/limits.js";
import { checkRound, hasStackTrace, jsonResult, readJournalIfAny } from "../support/chaos-checks.js";
import { startCli, seededRandom, type CliRun } from "../support/cli.js";
import { startFaultProxy, type FaultProxy, type FaultRule } from "../support/fault-proxy.js";
import { createTestBucket, emptyAndDeleteBucket, testClient } from "../support/local-s3.js";
import { downloadedSha256, randomFile, scratchDir } from "../support/objects.js";
import { ownS3, type OwnS3 } from "../support/own-s3.js";

const SIZE = 25 * MiB;
/** For the full-disk cases: 16 parts, so the journal outgrows its page midway (with PADDING in its header). */
const BIG_SIZE = 80 * MiB;
/** S3 allows 2 KB of metadata; the journal's header records it, which brings its first page near full. */
const PADDING = ["--metadata", `pad=${"x".repeat(1_900)}`];
const PART = "5MiB";

let s3: OwnS3;
let client: S3Client;
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let stateHome: string;
let file: string;
let fileSha: string;
let big: string;
let bigSha: string;
let proxy: FaultProxy;
const credentials = () => ({ accessKeyId: s3.env.accessKeyId, secretAccessKey: s3.env.secretAccessKey });

beforeAll(async () => {
  s3 = await ownS3();
  client = testClient({ port: s3.port });
  bucket = await createTestBucket("chaos", client);
  scratch = await scratchDir();
  stateHome = await mkdtemp(join(tmpdir(), "s3xfer-chaos-state-"));
  file = join(scratch.dir, "source.bin");
  fileSha = await randomFile(file, SIZE);
  big = join(scratch.dir, "big.bin");
  bigSha = await randomFile(big, BIG_SIZE);
  // The copy rounds' source, multipart like the file's uploads.
  await upload({ ...direct(), source: file, bucket, key: "copy-source", partSize: 5 * MiB });
  proxy = await startFaultProxy({ target: s3.env.endpoint, seed: 11 });
}, 600_000);

afterAll(async () => {
  await proxy?.close();
  if (s3) {
    await s3.thaw().catch(() => undefined);
    await s3.restart().catch(() => undefined);
    if (bucket) await emptyAndDeleteBucket(bucket, client).catch(() => undefined);
    await s3.release();
  }
  await scratch?.cleanup();
  if (stateHome) await rm(stateHome, { recursive: true, force: true });
}, 600_000);

function direct() {
  return { endpoint: s3.env.endpoint, region: s3.env.region, credentials: credentials() };
}

function journalOf(key: string): string {
  return join(journalDirectory({ XDG_STATE_HOME: stateHome }), journalFileName(bucket, key));
}

interface Running {
  child: ReturnType<typeof startCli>["child"];
  done: Promise<CliRun>; /** Resolves when the run has reported `n` finished parts (never, if it does not get there). */
  parts(n: number): Promise<void>;
  /** Resolves when the transfer has started (its start event): the process is up, the plan made. */
  started: Promise<void>;
  startedAt: number;
}

/** The CLI against this file's server (or `endpoint`), journaling under this file's state directory. */
function cli(args: string[], endpoint = s3.env.endpoint, env: NodeJS.ProcessEnv = {}): Running {
  const started = startCli(args, {
    AWS_ENDPOINT_URL: endpoint,
    XDG_STATE_HOME: stateHome,
    ...env,
  });
  let seen = 0;
  const waiting: { n: number; resolve(): void }[] = [];
  let buffer = "";
  let onStart = () => {};
  const startSeen = new Promise<void>((resolve) => (onStart = resolve));
  started.child.stdout!.on("data", (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) {
      if (line.includes('"type":"part"')) seen++;
      if (line.includes('"type":"start"')) onStart();
    }
    for (const w of waiting.filter((w) => seen >= w.n)) w.resolve();
  });
  return {
    ...started,
    startedAt: performance.now(),
    started: startSeen,
    parts: (n) =>
      new Promise<void>((resolve) => {
        if (seen >= n) resolve();
        else waiting.push({ n, resolve });
      }),
  };
}

const cpArgs = (source: string, key: string, extra: string[] = []) => [
  "cp",
  source,
  `s3://${bucket}/${key}`,
  "--part-size",
  PART,
  "--concurrency",
  "2",
  "--json",
  ...extra,
];

/** Waits for a run, killing it (and failing) if it does not end within `boundMs`. */
async function ended(run: Running, boundMs: number): Promise<CliRun & { seconds: number }> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    run.child.kill("SIGKILL");
  }, boundMs);
  const result = await run.done;
  clearTimeout(timer);
  if (timedOut) throw new Error(`the CLI did not end within ${boundMs / 1000} s: ${result.stderr}`);
  return { ...result, seconds: (performance.now() - run.startedAt) / 1000 };
}

async function openUploads(key: string): Promise<string[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  return (page.Uploads ?? []).filter((u) => u.Key === key).map((u) => u.UploadId!);
}

describe("a lost CreateMultipartUpload reply (issue 11, item 5)", () => {
  it("is adopted: one upload, none left open, and the result says so", async () => {
    proxy.setRules([{ fault: "drop-response", operations: ["CreateMultipartUpload"], limit: 1 }]);
    proxy.resetStats();
    try {
      const run = await ended(cli(cpArgs(file, "lost-create"), proxy.url), 120_000);
      expect(run.code, run.stderr).toBe(0);
      // The server made an upload whose reply never came back, and the transfer went on with that one.
      expect(proxy.stats.injected["drop-response"]).toBe(1);
      const lost = proxy.stats.orphanedUploads;
      expect(lost).toHaveLength(1);
      expect(proxy.stats.byOperation.CreateMultipartUpload).toBe(1);
      const result = jsonResult(run) as { uploadId: string; notes: string[] };
      expect(result.uploadId).toBe(lost[0]);
      expect(result.notes.join("\n")).toMatch(
        new RegExp(`adopted upload ${lost[0]}, created by a CreateMultipartUpload whose answer was lost`),
      );
      expect(await openUploads("lost-create")).toEqual([]);
      expect((await downloadedSha256(client, bucket, "lost-create")).sha256).toBe(fileSha);
    } finally {
      proxy.setRules([]);
    }
  });
});

describe("radosgw killed mid-transfer (issue 11, item 4)", () => {
  for (const kind of ["copy", "upload"] as const) {
    it(`${kind}: fails in bounded time keeping its journal; resume finishes it after the restart`, async () => {
      const key = `rgw-killed-${kind}`;
      const source = kind === "copy" ? `s3://${bucket}/copy-source` : file;
      const extra = kind === "copy" ? ["--force-multipart", "--max-attempts", "4"] : ["--max-attempts", "4"];
      const run = cli(cpArgs(source, key, extra));
      await run.parts(2);
      await s3.crash();
      // Bounded: 4 attempts per part with backoff, then the source check of a copy; far below this.
      const failed = await ended(run, 180_000);
      console.log(
        `${kind}: radosgw killed; the CLI exited ${failed.code} after ${failed.seconds.toFixed(1)} s`,
      );
      expect(failed.code).toBe(1);
      expect(hasStackTrace(failed.stderr)).toBe(false);
      expect(failed.stderr).not.toMatch(/source changed/);
      expect(failed.stderr).toMatch(
        new RegExp(
          `the upload was kept and can be resumed[^\n]*\n[\\s\\S]*to resume, run:\\s+s3xfer resume s3://${bucket}/${key}\n`,
        ),
      );
      const journal = await readJournalIfAny(journalOf(key));
      expect(journal && journal !== "unreadable" ? journal.end : "no journal").toBeUndefined();

      await s3.restart();
      const resumed = await ended(cli(["resume", `s3://${bucket}/${key}`, "--json"]), 180_000);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(jsonResult(resumed)?.partsResumed).toBeGreaterThanOrEqual(2);
      const ls = await ended(cli(["uploads", "ls", `s3://${bucket}/${key}`, "--json"]), 60_000);
      expect(JSON.parse(ls.stdout)).toEqual([]);
      const outcome = await checkRound(
        client,
        { bucket, key },
        { sha256: fileSha, size: SIZE },
        [failed, resumed],
        journalOf(key),
      );
      expect(outcome.violations).toEqual([]);
      expect(outcome.present).toBe(true);
    });
  }
});

describe("a server that answers nothing (issue 11, item 9)", () => {
  it("parts that hang are given up on after the stall timeout; the upload is kept and resumes", async () => {
    // Every UploadPart after the first two hangs before reaching the server, for far longer than the test.
    proxy.setRules([
      { fault: "stall", operations: ["UploadPart"], match: (r) => (r.partNumber ?? 0) > 2, stallMs: 600_000 },
    ]);
    const key = "stalled-lib";
    const started = performance.now();
    const error = await upload({
      endpoint: proxy.url,
      region: s3.env.region,
      credentials: credentials(),
      source: file,
      bucket,
      key,
      partSize: 5 * MiB,
      concurrency: 2,
      stallTimeoutMs: 3_000,
      journal: journalOf(key),
    }).catch((e: unknown) => e);
    const seconds = (performance.now() - started) / 1000;
    proxy.setRules([]);
    expect(error).toBeInstanceOf(TransferError);
    const failure = error as TransferError;
    expect(failure.code).toBe("STALLED");
    expect(failure.message).toMatch(/no progress for \d+ s .*the upload was kept and can be resumed/);
    expect(failure.journalPath).toBe(journalOf(key));
    console.log(`stalled parts: failed after ${seconds.toFixed(1)} s with a 3 s stall timeout`);
    const result = await resume(journalOf(key), direct());
    expect(result.partsResumed).toBe(2);
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(fileSha);
    expect(await openUploads(key)).toEqual([]);
  });

  it("SIGTERM while parts hang: the CLI exits within seconds, one signal, the journal consistent", async () => {
    proxy.setRules([
      { fault: "stall", operations: ["UploadPart"], match: (r) => (r.partNumber ?? 0) > 2, stallMs: 600_000 },
    ]);
    const key = "sigterm-hung";
    try {
      const run = cli(cpArgs(file, key), proxy.url);
      await run.parts(2);
      // Let parts 3 and 4 get stuck on the proxy.
      await new Promise((r) => setTimeout(r, 1_000));
      const signalledAt = performance.now();
      run.child.kill("SIGTERM");
      const stopped = await ended(run, 60_000);
      const latency = (performance.now() - signalledAt) / 1000;
      console.log(
        `SIGTERM with 2 parts hung: exited ${stopped.code} ${latency.toFixed(2)} s after the signal`,
      );
      expect(stopped.code).toBe(143);
      expect(stopped.stderr).toMatch(/interrupted; the upload was kept and can be resumed/);
      expect(hasStackTrace(stopped.stderr)).toBe(false);
      const journal = await readJournalIfAny(journalOf(key));
      expect(journal).not.toBe("unreadable");
      expect(journal && journal !== "unreadable" && journal.end).toBeFalsy();
      expect(journal && journal !== "unreadable" ? [...journal.parts.keys()].sort() : []).toEqual([1, 2]);
    } finally {
      proxy.setRules([]);
    }
    const resumed = await ended(cli(["resume", `s3://${bucket}/${key}`, "--json"]), 120_000);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(fileSha);
  });

  it("radosgw frozen (SIGSTOP): the CLI fails within its stall timeout, and SIGTERM stops it within seconds", async () => {
    // 1. Frozen for longer than the stall timeout: the transfer gives up, keeping the journal.
    const key = "frozen";
    const run = cli(cpArgs(file, key, ["--stall-timeout", "10s"]));
    await run.parts(2);
    await s3.freeze();
    const frozenAt = performance.now();
    let failed: CliRun;
    try {
      failed = await ended(run, 120_000);
    } finally {
      await s3.thaw();
    }
    const seconds = (performance.now() - frozenAt) / 1000;
    console.log(
      `radosgw frozen: the CLI (--stall-timeout 10s) exited ${failed.code} ${seconds.toFixed(1)} s after SIGSTOP`,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /no progress for \d+ s.*the upload was kept and can be resumed[^\n]*\n[\s\S]*to resume, run:\s+s3xfer resume /,
    );
    expect(hasStackTrace(failed.stderr)).toBe(false);
    const resumed = await ended(cli(["resume", `s3://${bucket}/${key}`, "--json"]), 120_000);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await downloadedSha256(client, bucket, key)).sha256).toBe(fileSha);

    // 2. Frozen, then SIGTERM (default stall timeout): the requests in flight are cancelled within seconds.
    const key2 = "frozen-sigterm";
    const run2 = cli(cpArgs(file, key2));
    await run2.parts(2);
    await s3.freeze();
    let stopped: CliRun;
    let latency: number;
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      const signalledAt = performance.now();
      run2.child.kill("SIGTERM");
      stopped = await ended(run2, 60_000);
      latency = (performance.now() - signalledAt) / 1000;
    } finally {
      await s3.thaw();
    }
    console.log(
      `radosgw frozen, then SIGTERM: exited ${stopped.code} ${latency.toFixed(2)} s after the signal`,
    );
    expect(stopped.code).toBe(143);
    expect(stopped.stderr).toMatch(/interrupted; the upload was kept and can be resumed/);
    const resumed2 = await ended(cli(["resume", `s3://${bucket}/${key2}`, "--json"]), 120_000);
    expect(resumed2.code, resumed2.stderr).toBe(0);
    expect((await downloadedSha256(client, bucket, key2)).sha256).toBe(fileSha);
  });
});

/** A tiny tmpfs for the journal (root only); `free` bytes left once the filler is written. */
async function smallDisk(free: number): Promise<{ dir: string; filler: string; release(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "s3xfer-chaos-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", dir]);
  const filler = join(dir, "filler");
  const handle = await open(filler, "w");
  try {
    await handle.write(Buffer.alloc(64 * 1024 - free, 1));
  } catch {
    // Full before the size asked for: fine, the disk is as full as it gets.
  } finally {
    await handle.close();
  }
  return {
    dir,
    filler,
    release: async () => {
      execFileSync("umount", [dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)("the journal's disk fills up (issue 11, item 10)", () => {
  it("mid-transfer: stops, keeps the upload, says to free space and resume; resume finishes it", async () => {
    // One page left: the padded header and about 13 part lines (~120 B each) fit, the next page does not.
    const disk = await smallDisk(4096);
    const key = "disk-full";
    const journal = join(disk.dir, "journal.jsonl");
    try {
      const run = await ended(cli(cpArgs(big, key, ["--journal", journal, ...PADDING])), 180_000);
      expect(run.code).toBe(1);
      expect(hasStackTrace(run.stderr)).toBe(false);
      expect(run.stderr).toMatch(
        new RegExp(
          `cannot write part \\d+ to the journal ${journal} \\(ENOSPC[^)]*\\): free space on its filesystem; the upload was kept and can be resumed[^\\n]*\\n[\\s\\S]*to resume, run:\\s+s3xfer resume`,
        ),
      );
      expect(await openUploads(key)).toHaveLength(1);
      const parsed = await readJournalIfAny(journal);
      expect(parsed).not.toBe("unreadable");
      expect(parsed && parsed !== "unreadable" ? parsed.end : "none").toBeUndefined();
      await rm(disk.filler);
      const resumed = await ended(cli(["resume", journal, "--json"]), 180_000);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(jsonResult(resumed)?.size).toBe(BIG_SIZE);
      expect((await downloadedSha256(client, bucket, key)).sha256).toBe(bigSha);
      expect(await openUploads(key)).toEqual([]);
    } finally {
      await disk.release();
    }
  });

  it("before the header: nothing is created and no empty journal is left", async () => {
    const disk = await smallDisk(0);
    const key = "disk-full-header";
    const journal = join(disk.dir, "journal.jsonl");
    try {
      const run = await ended(cli(cpArgs(file, key, ["--journal", journal])), 60_000);
      expect(run.code).toBe(1);
      expect(hasStackTrace(run.stderr)).toBe(false);
      expect(run.stderr).toMatch(/cannot write the journal .*ENOSPC.*free space/);
      await expect(stat(journal)).rejects.toThrow(/ENOENT/);
      expect(await openUploads(key)).toEqual([]);
    } finally {
      await disk.release();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The chaos rounds.

type Scenario =
  | "kill-cli-upload"
  | "kill-cli-copy"
  | "crash-rgw-upload"
  | "crash-rgw-copy"
  | "freeze-rgw"
  | "journal-disk-full"
  | "proxy-faults"
  | "two-resumes"
  | "resume-races-original";

/** One pass: at least the counts issue 11 asks for (10 CLI kills, 3 radosgw crashes mid-upload and mid-copy). */
const SCHEDULE: Scenario[] = [
  ...Array<Scenario>(5).fill("kill-cli-upload"),
  ...Array<Scenario>(5).fill("kill-cli-copy"),
  ...Array<Scenario>(3).fill("crash-rgw-upload"),
  ...Array<Scenario>(3).fill("crash-rgw-copy"),
  "freeze-rgw",
  ...(isRoot ? (["journal-disk-full"] as Scenario[]) : []),
  "proxy-faults",
  "two-resumes",
  "resume-races-original",
];

interface Counts {
  rounds: number;
  runs: number;
  cliKills: number;
  serverCrashes: number;
  serverFreezes: number;
  diskFull: number;
  proxyFaults: number;
  lockRefusals: number;
  raceLost: number;
  falseClaims: number;
  orphans: number;
  present: number;
  identical: number;
  absent: number;
}

describe("chaos rounds", () => {
  const seed = Number(process.env.CHAOS_SEED ?? 20261204);
  const passes = Number(process.env.CHAOS_ROUNDS ?? 1);
  const only = process.env.CHAOS_ONLY_ROUND === undefined ? undefined : Number(process.env.CHAOS_ONLY_ROUND);

  it(
    `seeded rounds (CHAOS_SEED=${seed}, CHAOS_ROUNDS=${passes})`,
    { timeout: 30 * 60_000 * passes },
    async () => {
      const order = seededRandom(seed);
      const rounds: Scenario[] = [];
      for (let p = 0; p < passes; p++) {
        const pass = [...SCHEDULE];
        for (let i = pass.length - 1; i > 0; i--) {
          const j = Math.floor(order() * (i + 1));
          [pass[i], pass[j]] = [pass[j]!, pass[i]!];
        }
        rounds.push(...pass);
      }
      // How long one clean run takes here (the second, warm one): kill moments are drawn within it, and
      // server faults within its transfer time (after the start event).
      let full = 0;
      let transfer = 0;
      for (let i = 0; i < 2; i++) {
        const run = cli(cpArgs(file, `calibrate-${i}`));
        let startedAt = 0;
        void run.started.then(() => (startedAt = performance.now()));
        const calibration = await ended(run, 120_000);
        expect(calibration.code, calibration.stderr).toBe(0);
        full = performance.now() - run.startedAt;
        transfer = performance.now() - startedAt;
      }
      const counts: Counts = {
        rounds: 0,
        runs: 0,
        cliKills: 0,
        serverCrashes: 0,
        serverFreezes: 0,
        diskFull: 0,
        proxyFaults: 0,
        lockRefusals: 0,
        raceLost: 0,
        falseClaims: 0,
        orphans: 0,
        present: 0,
        identical: 0,
        absent: 0,
      };
      const failures: string[] = [];

      for (const [index, scenario] of rounds.entries()) {
        if (only !== undefined && index !== only) continue;
        const random = seededRandom(seed * 1_000 + index);
        const key = `round-${index}-${scenario}`;
        const label = `seed ${seed} round ${index} (${scenario})`;
        try {
          const { runs, journal, source } = await playRound(
            scenario,
            key,
            random,
            { full, transfer },
            counts,
          );
          counts.rounds++;
          counts.runs += runs.length;
          const outcome = await checkRound(client, { bucket, key }, source, runs, journal);
          counts.falseClaims += outcome.falseClaims;
          counts.orphans += outcome.orphans;
          if (outcome.present) counts.present++;
          else counts.absent++;
          if (outcome.present && !outcome.violations.some((v) => v.startsWith("the object holds")))
            counts.identical++;
          for (const v of outcome.violations) failures.push(`${label}: ${v}`);
        } catch (error) {
          failures.push(`${label}: ${(error as Error).stack ?? String(error)}`);
          await s3.thaw().catch(() => undefined);
          await s3.restart().catch(() => undefined);
        }
      }
      console.log(
        `chaos (CHAOS_SEED=${seed}, CHAOS_ROUNDS=${passes}, one clean run ${Math.round(full)} ms, ` +
          `${Math.round(transfer)} ms of it transferring): ` +
          `${counts.rounds} rounds, ${counts.runs} CLI runs, ${counts.cliKills} CLI kill -9, ` +
          `${counts.serverCrashes} radosgw crashes, ${counts.serverFreezes} radosgw freezes, ` +
          `${counts.diskFull} journal disks full, ${counts.proxyFaults} proxy faults injected, ` +
          `${counts.lockRefusals} lock refusals, ${counts.raceLost} races lost to a run that had finished, false claims ${counts.falseClaims}, orphans ${counts.orphans}, ` +
          `bytes identical ${counts.identical}/${counts.present} (absent ${counts.absent})`,
      );
      expect(failures).toEqual([]);
    },
  );
});

/**
 * Runs one round's fault, then settles it the way a user would (restart the server, free the disk, resume
 * until it says it is done), and returns every CLI run with the journal to check.
 */
async function playRound(
  scenario: Scenario,
  key: string,
  random: () => number,
  timing: { full: number; transfer: number },
  counts: Counts,
): Promise<{ runs: CliRun[]; journal: string; source: { sha256: string; size: number } }> {
  const runs: CliRun[] = [];
  let journal = journalOf(key);
  let resumeArgs: string[] = [];
  let source = { sha256: fileSha, size: SIZE };
  const from = scenario.endsWith("copy") ? `s3://${bucket}/copy-source` : file;
  const extra = scenario.endsWith("copy") ? ["--force-multipart"] : []; // A moment in the whole run (the CLI may be killed before it even has a journal), or in its transfer.
  const at = () => Math.floor(50 + random() * timing.full);
  const during = async (run: Running) => {
    await Promise.race([run.started, run.done]);
    await sleep(Math.floor(random() * timing.transfer));
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  switch (scenario) {
    case "kill-cli-upload":
    case "kill-cli-copy": {
      const run = cli(cpArgs(from, key, extra));
      const timer = setTimeout(() => run.child.kill("SIGKILL"), at());
      const result = await ended(run, 180_000);
      clearTimeout(timer);
      if (result.signal === "SIGKILL") counts.cliKills++;
      runs.push(result);
      break;
    }
    case "crash-rgw-upload":
    case "crash-rgw-copy": {
      const run = cli(cpArgs(from, key, [...extra, "--max-attempts", "4"]));
      await during(run);
      await s3.crash();
      counts.serverCrashes++;
      // Down for a while: the transfer may give up, or be retrying when the server comes back.
      await sleep(random() * 4_000);
      await s3.restart();
      runs.push(await ended(run, 180_000));
      break;
    }
    case "freeze-rgw": {
      const run = cli(cpArgs(file, key, ["--stall-timeout", "8s"]));
      await during(run);
      await s3.freeze();
      counts.serverFreezes++;
      // Sometimes shorter than the stall timeout (the transfer carries on), sometimes longer (it gives up).
      await sleep(2_000 + random() * 12_000);
      await s3.thaw();
      runs.push(await ended(run, 180_000));
      break;
    }
    case "journal-disk-full": {
      // No room even for the header, or one page: full partway through (the header is padded).
      const disk = await smallDisk(random() < 0.3 ? 0 : 4096);
      journal = join(disk.dir, "journal.jsonl");
      source = { sha256: bigSha, size: BIG_SIZE };
      try {
        const run = cli(cpArgs(big, key, ["--journal", journal, ...PADDING]));
        counts.diskFull++;
        runs.push(await ended(run, 180_000));
        if ((await readFile(journal, "utf8").catch(() => undefined)) === "")
          throw new Error("an empty journal was left behind");
        await rm(disk.filler, { force: true });
        runs.push(...(await settle(key, journal, [])));
        // The checks read the journal after the disk is gone: they get a copy of it.
        const final = await readFile(journal, "utf8").catch(() => undefined);
        journal = journalOf(key);
        if (final !== undefined) {
          await mkdir(join(journal, ".."), { recursive: true });
          await writeFile(journal, final);
        }
      } finally {
        await disk.release();
      }
      return { runs, journal, source };
    }
    case "proxy-faults": {
      const rules: FaultRule[] = [
        { fault: "slowdown", probability: 0.15 },
        { fault: "reset-request", probability: 0.03 },
        { fault: "reset-response", probability: 0.03 },
        { fault: "drop-response", probability: 0.03 },
        {
          fault: "stall",
          probability: 0.03,
          stallMs: 2_000,
          stallPhase: random() < 0.5 ? "request" : "response",
        },
      ];
      proxy.setRules(rules);
      proxy.resetStats();
      try {
        runs.push(await ended(cli(cpArgs(file, key, ["--stall-timeout", "30s"]), proxy.url), 300_000));
      } finally {
        proxy.setRules([]);
      }
      counts.proxyFaults += Object.values(proxy.stats.injected).reduce((a, b) => a + b, 0);
      // The journal names the proxy: resume goes straight to the server.
      resumeArgs = ["--endpoint-url", s3.env.endpoint];
      break;
    }
    case "two-resumes": {
      const run = cli(cpArgs(file, key));
      await run.parts(1);
      await sleep(random() * 300);
      run.child.kill("SIGKILL");
      const killed = await run.done;
      if (killed.signal === "SIGKILL") counts.cliKills++;
      runs.push(killed);
      const first = cli(["resume", `s3://${bucket}/${key}`, "--json"]);
      const second = cli(["resume", `s3://${bucket}/${key}`, "--json"]);
      const both = [await ended(first, 180_000), await ended(second, 180_000)];
      runs.push(...both);
      for (const [i, r] of both.entries()) {
        if (r.code === 2 && /is being run by pid \d+/.test(r.stderr)) counts.lockRefusals++;
        // The other one finished first and removed the journal of its completed transfer.
        else if (r.code === 2 && /no journal at/.test(r.stderr) && both[1 - i]!.code === 0) counts.raceLost++;
        else if (r.code !== 0) throw new Error(`a concurrent resume exited ${r.code}: ${r.stderr.trim()}`);
      }
      break;
    }
    case "resume-races-original": {
      const run = cli(cpArgs(file, key));
      await run.parts(1);
      await sleep(random() * 300);
      const racer = await ended(cli(["resume", `s3://${bucket}/${key}`, "--json"]), 180_000);
      const original = await ended(run, 180_000);
      runs.push(original, racer);
      if (racer.code === 2 && /is being run by pid \d+/.test(racer.stderr)) counts.lockRefusals++;
      // The original finished first and removed the journal of its completed transfer.
      else if (racer.code === 2 && /no journal at/.test(racer.stderr) && original.code === 0)
        counts.raceLost++;
      else if (racer.code !== 0)
        throw new Error(`the racing resume exited ${racer.code}: ${racer.stderr.trim()}`);
      if (original.code !== 0)
        throw new Error(`the original cp exited ${original.code}: ${original.stderr.trim()}`);
      break;
    }
  }
  runs.push(...(await settle(key, journal, resumeArgs)));
  return { runs, journal, source };
}

/** Resumes until the transfer is finished, or there is nothing to resume; every run is returned. */
async function settle(key: string, journal: string, extra: string[]): Promise<CliRun[]> {
  const runs: CliRun[] = [];
  for (let attempt = 0; attempt < 4; attempt++) {
    const exists = await stat(journal).then(
      () => true,
      () => false,
    );
    if (!exists) return runs;
    const parsed = await readJournalIfAny(journal);
    if (parsed !== "unreadable" && parsed?.end) return runs;
    const run = await ended(cli(["resume", journal, "--json", ...extra]), 180_000);
    runs.push(run);
    if (run.code === 0) return runs;
    if (/being run by pid/.test(run.stderr)) await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`resume did not finish ${key}: ${runs.map((r) => r.stderr.trim()).join(" | ")}`);
}
