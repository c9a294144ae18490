import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB } from "../../src/planner/limits.js";
import { validateJson } from "../support/json-schema.js";
import { createTestBucket, emptyAndDeleteBucket, testClient } from "../support/local-s3.js";
import { downloadedSha256, randomFile, scratchDir } from "../support/objects.js";
import { runCli, startCli, type CliRun } from "../support/cli.js";

/** The CLI's --json output, checked against the documented schema (docs/json-events.md). */
const schema = JSON.parse(
  readFileSync(new URL("../../docs/json-events.schema.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

type Event = { type: string; time: string; [field: string]: unknown };

const client = testClient();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let file: string;
let fileSha: string;
/** Journals go to the scratch directory, not the home of whoever runs the tests. */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  bucket = await createTestBucket("clijson");
  scratch = await scratchDir();
  file = join(scratch.dir, "data.bin");
  fileSha = await randomFile(file, 40 * MiB + 3);
  env = { XDG_STATE_HOME: join(scratch.dir, "state") };
});

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch.cleanup();
});

/** Parses stdout and checks every line against the schema and the stream's rules. */
function checkedEvents(run: CliRun): Event[] {
  const lines = run.stdout.trimEnd().split("\n");
  const events = lines.map((line, i) => {
    const event = JSON.parse(line) as Event;
    expect(validateJson(schema, event), `line ${i + 1}: ${line}`).toEqual([]);
    return event;
  });
  const times = events.map((e) => Date.parse(e.time));
  expect(times, "times never go back").toEqual([...times].sort((a, b) => a - b));
  const progress = events.filter((e) => e.type === "progress");
  for (let i = 1; i < progress.length; i++) {
    const { time: _a, bytesPerSecond: _b, ...now } = progress[i]!;
    const { time: _c, bytesPerSecond: _d, ...before } = progress[i - 1]!;
    expect(now, "no progress line repeats the one before").not.toEqual(before);
  }
  expect(events.filter((e) => e.type === "complete" || e.type === "error")).toHaveLength(1);
  return events;
}

function finalProgress(events: Event[]): Event {
  return events.filter((e) => e.type === "progress").at(-1)!;
}

describe("--json output matches docs/json-events.schema.json", () => {
  it("a multipart upload: start, progress, parts, a final 100 % progress, then complete", async () => {
    const run = await runCli(["cp", file, `s3://${bucket}/up.bin`, "--part-size", "8MiB", "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    const events = checkedEvents(run);
    expect(events[0]!.type).toBe("start");
    expect(events.filter((e) => e.type === "part")).toHaveLength(6);
    expect(finalProgress(events)).toMatchObject({ bytesDone: 40 * MiB + 3, totalBytes: 40 * MiB + 3 });
    expect(events.at(-1)).toMatchObject({
      type: "complete",
      result: { operation: "upload", size: 40 * MiB + 3, parts: 6 },
    });
  });

  it("stdin: totalBytes is null until the stream ends, and known in the final progress", async () => {
    const { child, done } = startCli(
      ["cp", "-", `s3://${bucket}/stdin.bin`, "--part-size", "5MiB", "--json"],
      env,
      "pipe",
    );
    await pipeline(createReadStream(file), child.stdin!);
    const run = await done;
    expect(run.code, run.stderr).toBe(0);
    const events = checkedEvents(run);
    expect(events[0]).toMatchObject({ type: "start", size: null, partCount: null });
    expect(finalProgress(events)).toMatchObject({ bytesDone: 40 * MiB + 3, totalBytes: 40 * MiB + 3 });
    expect(events.at(-1)).toMatchObject({ type: "complete", result: { size: 40 * MiB + 3 } });
  });

  it("a server-side copy", async () => {
    const run = await runCli(
      ["cp", `s3://${bucket}/up.bin`, `s3://${bucket}/copy.bin`, "--force-multipart", "--json"],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const events = checkedEvents(run);
    expect(finalProgress(events)).toMatchObject({ bytesDone: 40 * MiB + 3 });
    expect(events.at(-1)).toMatchObject({ type: "complete", result: { operation: "copy" } });
  });

  it("a failure ends with an error event (usage error from the library: exit 2)", async () => {
    const run = await runCli(
      ["cp", join(scratch.dir, "missing.bin"), `s3://${bucket}/missing.bin`, "--json"],
      env,
    );
    expect(run.code).not.toBe(0);
    const events = checkedEvents(run);
    expect(events.at(-1)).toMatchObject({ type: "error", exitCode: run.code });
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

/** Starts a slow upload (one part at a time) and sends `signal` once the first part is done. */
async function interruptedUpload(key: string, signal: NodeJS.Signals): Promise<CliRun> {
  const { child, done } = startCli(
    ["cp", file, `s3://${bucket}/${key}`, "--part-size", "5MiB", "--concurrency", "1", "--json"],
    env,
  );
  let sent = false;
  child.stdout!.on("data", (chunk: Buffer) => {
    if (!sent && chunk.toString().includes('"type":"part"')) {
      sent = true;
      child.kill(signal);
    }
  });
  const run = await done;
  expect(sent, "the signal was sent mid-transfer").toBe(true);
  return run;
}

describe("signals", () => {
  it("SIGTERM: exit 143, no Ctrl-C hint, the error event says how to resume; resume finishes it", async () => {
    const run = await interruptedUpload("term.bin", "SIGTERM");
    expect(run.code, run.stderr).toBe(143);
    expect(run.stderr).toMatch(/SIGTERM received: stopping cleanly/);
    expect(run.stderr).not.toMatch(/Ctrl-C/);
    const events = checkedEvents(run);
    const error = events.at(-1)!;
    expect(error).toMatchObject({
      type: "error",
      code: "INTERRUPTED",
      exitCode: 143,
      resumeCommand: `s3xfer resume s3://${bucket}/term.bin`,
    });
    expect(typeof error.journalPath).toBe("string");
    // The resume command is on a line of its own on stderr too.
    expect(run.stderr).toContain(`\n  s3xfer resume s3://${bucket}/term.bin\n`);

    const resumed = await runCli(["resume", `s3://${bucket}/term.bin`, "--json"], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = checkedEvents(resumed);
    const first = after.find((e) => e.type === "progress")!;
    const complete = after.at(-1)! as Event & { result: { partsResumed: number } };
    expect(complete.type).toBe("complete");
    expect(complete.result.partsResumed).toBeGreaterThan(0);
    // The first progress already counts the resumed parts: a bar starts where the last run stopped.
    expect(first.bytesDone).toBeGreaterThanOrEqual(complete.result.partsResumed * 5 * MiB);
    expect((await downloadedSha256(client, bucket, "term.bin")).sha256).toBe(fileSha);
  });

  it("Ctrl-C (SIGINT): exit 130 with the hint to press it again", async () => {
    const run = await interruptedUpload("int.bin", "SIGINT");
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/Ctrl-C: stopping cleanly \(press Ctrl-C again to quit at once\)/);
    expect(checkedEvents(run).at(-1)).toMatchObject({ type: "error", code: "INTERRUPTED", exitCode: 130 });
    const aborted = await runCli(["abort", `s3://${bucket}/int.bin`], env);
    expect(aborted.code, aborted.stderr).toBe(0);
  });
});

describe("help and usage", () => {
  it("an unknown command names the commands (exit 2)", async () => {
    const run = await runCli(["foo"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /unknown command "foo": use one of cp, resume, abort, uploads, journals, plan, bench, completion/,
    );
  });

  it("cp --help: sources include s3:// and -, --keep-on-error is there, --version is not", async () => {
    const run = await runCli(["cp", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/source\s+a local file, - for stdin, or s3:\/\/bucket\/key/);
    expect(run.stdout).toMatch(/--keep-on-error\s+on a failure, keep the multipart upload/);
    // The --version flag, not --version-id (a download flag).
    expect(run.stdout).not.toMatch(/--version(?![-\w])/);
    // Where yargs wraps the description depends on the longest flag name: compare with whitespace joined.
    expect(run.stdout.replace(/\s+/g, " ")).toMatch(/powers of 1024: 64M = 64MB = 64MiB/);
  });

  it("resume --help describes every flag", async () => {
    const run = await runCli(["resume", "--help"]);
    expect(run.code).toBe(0);
    for (const flag of ["--keep-on-error", "--json", "--progress", "--quiet"])
      expect(run.stdout).toMatch(new RegExp(`${flag}\\s+\\S+ `));
    // The --version flag, not --version-id (a download flag).
    expect(run.stdout).not.toMatch(/--version(?![-\w])/);
  });

  it("-V is a top-level flag only; completion prints a script", async () => {
    expect((await runCli(["-V"])).stdout).toMatch(/^s3xfer \d/);
    const sub = await runCli(["plan", "--size", "1GiB", "-V"]);
    expect(sub.code).toBe(2);
    const completion = await runCli(["completion"]);
    expect(completion.code).toBe(0);
    expect(completion.stdout).toMatch(/s3xfer/);
    expect(completion.stdout).toMatch(/complete -o bashdefault -o default -F|compdef/);
  });
});
