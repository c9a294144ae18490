// s3xfer against the tools people use, on one machine and one local Ceph (bluestore), in one run.
// Started by bench/peers/run.sh (npm run bench), which installs the peers, boots the bench's own S3 instance
// and exports its endpoint and test credentials. See bench/peers/README.md.
//
// Every measured transfer is its own process tree under /usr/bin/time, so each tool is measured the same
// way: wall seconds (taken here), user+sys CPU seconds and peak RSS of the client process (from wait4).
// Runs are interleaved (A B C …, A B C …, with the order rotated each round) and figures are medians.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  AbortMultipartUploadCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { compact, fixed, formatTable, GiB, MiB, sizeLabel, type Column } from "../../src/bench/format.js";
import { writeRandomFile } from "../../src/bench/random-data.js";
import { median, spread } from "../../src/bench/stats.js";

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DIST = process.env.S3XFER_DIST ?? path.join(ROOT, "dist");
const S3_DIR = requiredEnv("BENCH_S3_DIR");
const ENDPOINT = requiredEnv("AWS_ENDPOINT_URL");
const S3_PORT = Number(new URL(ENDPOINT).port);
const BUCKET = "bench";
const AWS = "/usr/bin/aws";
const RCLONE = "/usr/bin/rclone";
const TIME = "/usr/bin/time";
const RUN_TIMEOUT_MS = 30 * 60_000;
const CLK_TCK = 100;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`bench/peers/run.ts: ${name} is not set: start it with npm run bench (bench/peers/run.sh)`);
    process.exit(2);
  }
  return value;
}

// --- options ---------------------------------------------------------------------------------------------

interface Options {
  quick: boolean;
  reps: number;
  wan: boolean;
  rttMs: number;
  rateMbit: number;
  groups: Set<string>;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  for (const arg of argv) {
    if (arg.startsWith("--") && !KNOWN_FLAGS.includes(arg)) {
      console.error(`unknown option ${arg}; options: ${KNOWN_FLAGS.join(" ")}`);
      process.exit(2);
    }
  }
  const reps = Number(value("--reps") ?? (quick ? 1 : 3));
  const groups = new Set((value("--only") ?? "upload,copy,probes,wan").split(","));
  return {
    quick,
    reps,
    wan: argv.includes("--wan") || (!quick && !argv.includes("--no-wan")),
    rttMs: Number(value("--rtt-ms") ?? 20),
    rateMbit: Number(value("--rate-mbit") ?? 1000),
    groups,
    out: value("--out") ?? path.join(ROOT, "bench/results"),
  };
}
const KNOWN_FLAGS = ["--quick", "--reps", "--wan", "--no-wan", "--rtt-ms", "--rate-mbit", "--only", "--out"];

// --- process measurement ---------------------------------------------------------------------------------

interface Measured {
  ok: boolean;
  exitCode: number | null;
  wallSeconds: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
  /** CPU seconds of this instance's radosgw + ceph-osd during the run. */
  serverCpuSeconds: number;
  /** Requests radosgw counted during the run. */
  serverRequests: number | null;
  /** CPU seconds every other process on the machine used meanwhile: the noise of a shared machine. */
  otherCpuSeconds: number;
  stdoutTail: string;
  stderrTail: string;
}

function procCpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function machineBusyTicks(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [, ...values] = line.trim().split(/\s+/);
  const n = values.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return total - n[3]! - n[4]!;
}

function serverPids(): number[] {
  return ["rgw", "osd"].flatMap((name) => {
    try {
      return [Number(readFileSync(path.join(S3_DIR, "pids", `${name}.pid`), "utf8").trim())];
    } catch {
      return [];
    }
  });
}

async function rgwRequests(): Promise<number | null> {
  try {
    const { stdout } = await execFileAsync(
      "ceph",
      ["--admin-daemon", path.join(S3_DIR, "run/ceph-client.rgw.a.asok"), "perf", "dump", "rgw"],
      { timeout: 10_000 },
    );
    return (JSON.parse(stdout) as { rgw: { req: number } }).rgw.req;
  } catch {
    return null;
  }
}

function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

/** Ctrl-C: the measured process (in its own process group) is killed, then everything is cleaned up. */
let interrupted = false;
let current: ReturnType<typeof spawn> | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`\n${signal}: stopping the run in progress and cleaning up (again to quit at once)`);
    if (current?.pid) {
      try {
        process.kill(-current.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

function checkInterrupted(): void {
  if (interrupted) throw new Error("interrupted");
}

/** Runs argv under /usr/bin/time and measures it (and the server, and the machine) while it runs. */
async function measure(argv: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const timeFile = path.join(os.tmpdir(), `s3xfer-bench-time-${process.pid}-${Date.now()}`);
  const pids = serverPids();
  const requestsBefore = await rgwRequests();
  const serverBefore = pids.reduce((sum, pid) => sum + procCpuTicks(pid), 0);
  const busyBefore = machineBusyTicks();
  const started = performance.now();
  const child = spawn(TIME, ["-f", "%e %U %S %M", "-o", timeFile, ...argv], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  current = child;
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout = tail(stdout + chunk.toString("utf8"), 64_000);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = tail(stderr + chunk.toString("utf8"), 64_000);
  });
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, RUN_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  clearTimeout(timer);
  current = undefined;
  const wallSeconds = (performance.now() - started) / 1000;
  const busy = (machineBusyTicks() - busyBefore) / CLK_TCK;
  const serverCpuSeconds = (pids.reduce((sum, pid) => sum + procCpuTicks(pid), 0) - serverBefore) / CLK_TCK;
  const requestsAfter = await rgwRequests();
  let user = Number.NaN;
  let system = Number.NaN;
  let maxRssKiB = Number.NaN;
  try {
    const lines = readFileSync(timeFile, "utf8").trim().split("\n");
    const fields = lines[lines.length - 1]!.split(" ").map(Number);
    [, user, system, maxRssKiB] = fields as [number, number, number, number];
  } catch {
    // time did not write its line: the run was killed
  }
  rmSync(timeFile, { force: true });
  const cpuSeconds = user + system;
  return {
    ok: exitCode === 0,
    exitCode,
    wallSeconds,
    cpuUserSeconds: user,
    cpuSystemSeconds: system,
    cpuSeconds,
    maxRssBytes: maxRssKiB * 1024,
    serverCpuSeconds,
    // The two perf-dump calls themselves are requests radosgw does not count; nothing to subtract.
    serverRequests: requestsBefore !== null && requestsAfter !== null ? requestsAfter - requestsBefore : null,
    otherCpuSeconds: Math.max(0, busy - cpuSeconds - serverCpuSeconds),
    stdoutTail: tail(stdout),
    stderrTail: tail(stderr),
  };
}

// --- the tools -------------------------------------------------------------------------------------------

function childEnv(endpoint: string): NodeJS.ProcessEnv {
  const noFile = path.join(os.tmpdir(), "s3xfer-bench-no-such-config");
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: "C.UTF-8",
    TMPDIR: os.tmpdir(),
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: process.env.AWS_REGION ?? "us-east-1",
    AWS_DEFAULT_REGION: process.env.AWS_REGION ?? "us-east-1",
    // Read by the lib-storage child; aws-cli 2.9 ignores it (it gets --endpoint-url), s3xfer gets the flag.
    AWS_ENDPOINT_URL: endpoint,
    // No user config may change a tool's defaults.
    AWS_CONFIG_FILE: noFile,
    AWS_SHARED_CREDENTIALS_FILE: noFile,
    AWS_PAGER: "",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    S3XFER_DIST: DIST,
    RCLONE_CONFIG: noFile,
    RCLONE_CONFIG_BENCH_TYPE: "s3",
    RCLONE_CONFIG_BENCH_PROVIDER: "Ceph",
    RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    RCLONE_CONFIG_BENCH_REGION: process.env.AWS_REGION ?? "us-east-1",
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: "true",
    // Deliberately absent: AWS_CA_BUNDLE (rclone 1.60 refuses to start with it set; the endpoint is http).
  };
}

interface Tool {
  id: string;
  name: string;
  settings: string;
  /** The reference the group's ratios are taken against. */
  reference?: boolean;
  argv(source: string, key: string, endpoint: string): string[];
}

const s3xferCli = path.join(DIST, "cli/main.js");
const libStorage = path.join(ROOT, "bench/peers/lib-storage-upload.mjs");
const probe = path.join(ROOT, "bench/peers/probe.mjs");

const UPLOAD_TOOLS: Tool[] = [
  {
    id: "s3xfer",
    name: "s3xfer",
    settings: "defaults: 16 MiB × 8, CRC64NVME",
    reference: true,
    argv: (file, key, endpoint) => [
      process.execPath,
      s3xferCli,
      "cp",
      file,
      `s3://${BUCKET}/${key}`,
      "--no-progress",
      "--json",
      "--endpoint-url",
      endpoint,
    ],
  },
  {
    id: "s3xfer-5m4",
    name: "s3xfer",
    settings: "5 MiB × 4 (lib-storage's defaults), CRC64NVME",
    argv: (file, key, endpoint) => [
      ...UPLOAD_TOOLS[0]!.argv(file, key, endpoint),
      "--part-size",
      "5MiB",
      "--concurrency",
      "4",
    ],
  },
  {
    id: "lib-storage",
    name: "lib-storage Upload",
    settings: "defaults: 5 MiB × queueSize 4, SDK default CRC32",
    argv: (file, key) => [process.execPath, libStorage, file, BUCKET, key],
  },
  {
    id: "lib-storage-16m8",
    name: "lib-storage Upload",
    settings: "16 MiB × queueSize 8, CRC64NVME (s3xfer's defaults)",
    argv: (file, key) => [
      process.execPath,
      libStorage,
      file,
      BUCKET,
      key,
      String(16 * MiB),
      "8",
      "CRC64NVME",
    ],
  },
  {
    id: "aws",
    name: "aws s3 cp",
    settings: "defaults: 8 MiB × 10",
    argv: (file, key, endpoint) => [
      AWS,
      "--endpoint-url",
      endpoint,
      "s3",
      "cp",
      file,
      `s3://${BUCKET}/${key}`,
      "--no-progress",
      "--only-show-errors",
    ],
  },
  {
    id: "rclone",
    name: "rclone copyto",
    settings: "defaults: 5 MiB × 4, MD5",
    argv: (file, key) => [RCLONE, "copyto", file, `bench:${BUCKET}/${key}`],
  },
];

const COPY_TOOLS: Tool[] = [
  {
    id: "s3xfer",
    name: "s3xfer",
    settings: "defaults: one CopyObject up to 5 GiB, else the source's parts × 8",
    reference: true,
    argv: (source, key, endpoint) => [
      process.execPath,
      s3xferCli,
      "cp",
      `s3://${BUCKET}/${source}`,
      `s3://${BUCKET}/${key}`,
      "--no-progress",
      "--json",
      "--endpoint-url",
      endpoint,
    ],
  },
  {
    id: "s3xfer-parts",
    name: "s3xfer",
    settings: "--force-multipart: UploadPartCopy, source layout (16 MiB parts) × 8",
    argv: (source, key, endpoint) => [...COPY_TOOLS[0]!.argv(source, key, endpoint), "--force-multipart"],
  },
  {
    id: "aws",
    name: "aws s3 cp",
    settings: "defaults: 8 MiB parts × 10",
    argv: (source, key, endpoint) => [
      AWS,
      "--endpoint-url",
      endpoint,
      "s3",
      "cp",
      `s3://${BUCKET}/${source}`,
      `s3://${BUCKET}/${key}`,
      "--no-progress",
      "--only-show-errors",
    ],
  },
  {
    id: "rclone",
    name: "rclone copyto",
    settings: "defaults: one CopyObject below 4.656 GiB",
    argv: (source, key) => [RCLONE, "copyto", `bench:${BUCKET}/${source}`, `bench:${BUCKET}/${key}`],
  },
];

// --- housekeeping ----------------------------------------------------------------------------------------

const s3 = new S3Client({
  endpoint: ENDPOINT,
  region: process.env.AWS_REGION ?? "us-east-1",
  forcePathStyle: true,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});

async function ensureBucket(): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }
}

async function removeObject(key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key })).catch(() => undefined);
}

async function abortUploads(): Promise<void> {
  const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET })).catch(() => undefined);
  for (const u of page?.Uploads ?? []) {
    await s3
      .send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: u.Key!, UploadId: u.UploadId! }))
      .catch(() => undefined);
  }
}

/** Frees deleted data now instead of in the background of the next run (and keeps the 32 GiB store from filling). */
async function collectGarbage(): Promise<void> {
  await execFileAsync(
    "radosgw-admin",
    ["-c", path.join(S3_DIR, "ceph.conf"), "gc", "process", "--include-all"],
    {
      timeout: 300_000,
    },
  ).catch((error: Error) => log(`  (gc process failed: ${error.message.split("\n")[0]})`));
}

/**
 * A full OSD makes every write — deletes included — hang without an error. Refuse to start on one (after
 * trying to free deleted data), instead of hanging in the first run.
 */
async function checkServerSpace(): Promise<void> {
  const health = async () =>
    execFileAsync("ceph", ["-c", path.join(S3_DIR, "ceph.conf"), "--connect-timeout", "15", "health"], {
      timeout: 20_000,
    }).then(
      ({ stdout }) => stdout,
      () => "",
    );
  if (!/full osd/i.test(await health())) return;
  log("the bench S3's OSD is (near) full: collecting garbage first");
  await collectGarbage();
  const after = await health();
  if (/\b\d+ full osd/i.test(after)) {
    throw new Error(
      `the bench S3 instance is full (${after.trim()}): remove what is stored in ${ENDPOINT} or restart it ` +
        `(bash scripts/local-s3.sh stop --dir ${S3_DIR}; npm run bench starts a fresh one)`,
    );
  }
}

async function setMinPartSize(bytes: number): Promise<void> {
  await execFileAsync("bash", [
    path.join(ROOT, "scripts/local-s3.sh"),
    "set-min-part-size",
    String(bytes),
    "--dir",
    S3_DIR,
    "--port",
    String(S3_PORT),
  ]);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// --- groups ----------------------------------------------------------------------------------------------

interface Group {
  id: string;
  title: string;
  kind: "upload" | "copy";
  size: number;
  network: string;
  endpoint: string;
  tools: Tool[];
  /** File to upload, or source key to copy. */
  source: string;
}

interface RunRecord extends Measured {
  group: string;
  tool: string;
  round: number;
  order: number;
}

interface Row {
  group: string;
  title: string;
  kind: "upload" | "copy";
  size: number;
  network: string;
  tool: string;
  name: string;
  settings: string;
  runs: number;
  failed: number;
  wallSeconds: number;
  wallMin: number;
  wallMax: number;
  mibPerSecond: number;
  cpuSeconds: number;
  cpuSecondsPerGiB: number;
  maxRssBytes: number;
  serverCpuSeconds: number;
  serverRequests: number | null;
  otherCpuSeconds: number;
  wallRatio: number;
  cpuRatio: number;
}

async function runGroup(group: Group, reps: number, records: RunRecord[]): Promise<void> {
  const env = childEnv(group.endpoint);
  for (let round = 0; round < reps; round++) {
    const order = group.tools.map((_, i) => group.tools[(i + round) % group.tools.length]!);
    for (const [position, tool] of order.entries()) {
      checkInterrupted();
      const key = `runs/${group.id}/${tool.id}-r${round + 1}`;
      const measured = await measure(tool.argv(group.source, key, group.endpoint), env);
      records.push({ ...measured, group: group.id, tool: tool.id, round, order: position });
      log(
        `  ${group.id} round ${round + 1}: ${tool.id.padEnd(17)} ${measured.ok ? "" : `FAILED (exit ${measured.exitCode}) `}` +
          `${measured.wallSeconds.toFixed(2)} s wall, ${fixed(measured.cpuSeconds, 2)} s CPU, ` +
          `${fixed(measured.maxRssBytes / MiB, 0)} MiB RSS, server ${measured.serverCpuSeconds.toFixed(1)} s CPU, ` +
          `${measured.serverRequests ?? "?"} requests, others ${measured.otherCpuSeconds.toFixed(1)} s CPU`,
      );
      if (!measured.ok) log(`    stderr: ${measured.stderrTail.trim().split("\n").slice(-3).join(" | ")}`);
      await removeObject(key);
      await abortUploads();
      await collectGarbage();
    }
  }
}

function rowsOf(group: Group, records: readonly RunRecord[]): Row[] {
  const mine = records.filter((r) => r.group === group.id);
  const figures = group.tools.map((tool) => {
    const runs = mine.filter((r) => r.tool === tool.id);
    const ok = runs.filter((r) => r.ok);
    const wall = spread(ok.map((r) => r.wallSeconds));
    const requests = ok.map((r) => r.serverRequests).filter((n): n is number => n !== null);
    return {
      tool,
      runs: runs.length,
      failed: runs.length - ok.length,
      wall,
      cpu: median(ok.map((r) => r.cpuSeconds)),
      rss: median(ok.map((r) => r.maxRssBytes)),
      server: median(ok.map((r) => r.serverCpuSeconds)),
      requests: requests.length ? median(requests) : null,
      other: median(ok.map((r) => r.otherCpuSeconds)),
    };
  });
  const reference = figures.find((f) => f.tool.reference)!;
  return figures.map((f) => ({
    group: group.id,
    title: group.title,
    kind: group.kind,
    size: group.size,
    network: group.network,
    tool: f.tool.id,
    name: f.tool.name,
    settings: f.tool.settings,
    runs: f.runs,
    failed: f.failed,
    wallSeconds: f.wall.median,
    wallMin: f.wall.min,
    wallMax: f.wall.max,
    mibPerSecond: group.size / MiB / f.wall.median,
    cpuSeconds: f.cpu,
    cpuSecondsPerGiB: f.cpu / (group.size / GiB),
    maxRssBytes: f.rss,
    serverCpuSeconds: f.server,
    serverRequests: f.requests,
    otherCpuSeconds: f.other,
    wallRatio: f.wall.median / reference.wall.median,
    cpuRatio: f.cpu / reference.cpu,
  }));
}

// --- probes: event-loop delay and a 10,000-part copy -----------------------------------------------------

interface ProbeOutput {
  command: string;
  size: number;
  parts: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  maxRssBytes: number;
  eventLoopDelayMs: { p50Ms: number; p99Ms: number; maxMs: number };
  mainThread?: { cpuMs: number; runQueueWaitMs: number };
}

interface ProbeRecord {
  name: string;
  measured: Measured;
  output: ProbeOutput | null;
}

function probeOutput(measured: Measured): ProbeOutput | null {
  const line = measured.stdoutTail.trim().split("\n").pop();
  try {
    return line ? (JSON.parse(line) as ProbeOutput) : null;
  } catch {
    return null;
  }
}

async function runProbe(name: string, args: string[], records: ProbeRecord[]): Promise<ProbeRecord> {
  checkInterrupted();
  const measured = await measure([process.execPath, probe, ...args], childEnv(ENDPOINT));
  const record = { name, measured, output: probeOutput(measured) };
  records.push(record);
  const o = record.output;
  log(
    `  ${name}: ${measured.ok ? "" : `FAILED (exit ${measured.exitCode}) ${measured.stderrTail.trim().split("\n").pop()} `}` +
      `${measured.wallSeconds.toFixed(2)} s, ${fixed(measured.maxRssBytes / MiB, 0)} MiB peak RSS` +
      (o
        ? `, ${o.parts} parts, event-loop delay p50 ${o.eventLoopDelayMs.p50Ms.toFixed(1)} / p99 ${o.eventLoopDelayMs.p99Ms.toFixed(1)} / max ${o.eventLoopDelayMs.maxMs.toFixed(1)} ms`
        : ""),
  );
  return record;
}

// --- output ----------------------------------------------------------------------------------------------

const TABLE: Column[] = [
  { header: "test" },
  { header: "tool" },
  { header: "settings" },
  { header: "wall s", align: "right" },
  { header: "min–max", align: "right" },
  { header: "MiB/s", align: "right" },
  { header: "client CPU s", align: "right" },
  { header: "CPU s/GiB", align: "right" },
  { header: "peak RSS MiB", align: "right" },
  { header: "server CPU s", align: "right" },
  { header: "S3 requests", align: "right" },
  { header: "wall ÷ s3xfer", align: "right" },
  { header: "CPU ÷ s3xfer", align: "right" },
  { header: "others' CPU s", align: "right" },
];

function tableRows(rows: readonly Row[]): string[][] {
  return rows.map((r) => [
    r.title,
    r.name,
    r.settings,
    r.failed === r.runs ? "failed" : fixed(r.wallSeconds, 2) + (r.failed ? ` (${r.failed}✘)` : ""),
    `${fixed(r.wallMin, 2)}–${fixed(r.wallMax, 2)}`,
    compact(r.mibPerSecond),
    fixed(r.cpuSeconds, 2),
    fixed(r.cpuSecondsPerGiB, 2),
    fixed(r.maxRssBytes / MiB, 0),
    fixed(r.serverCpuSeconds, 1),
    r.serverRequests === null ? "–" : String(Math.round(r.serverRequests)),
    fixed(r.wallRatio, 2),
    fixed(r.cpuRatio, 2),
    fixed(r.otherCpuSeconds, 1),
  ]);
}

interface Target {
  what: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

function ratioTarget(
  rows: readonly Row[],
  what: string,
  group: string,
  ours: string,
  theirs: string,
  field: "wallSeconds" | "cpuSecondsPerGiB",
  limit: number,
): Target {
  const a = rows.find((r) => r.group === group && r.tool === ours);
  const b = rows.find((r) => r.group === group && r.tool === theirs);
  const ratio = a && b ? a[field] / b[field] : Number.NaN;
  return {
    what,
    goal: `≤ ${limit}×`,
    measured: Number.isFinite(ratio)
      ? `${ratio.toFixed(2)}× (${fixed(a![field], 2)} vs ${fixed(b![field], 2)} ${field === "wallSeconds" ? "s" : "CPU s/GiB"})`
      : "not measured",
    met: Number.isFinite(ratio) ? ratio <= limit : null,
  };
}

function targets(
  rows: readonly Row[],
  probes: readonly ProbeRecord[],
  upload: string,
  copyBig: string,
  wanCopy: string | null,
): Target[] {
  const out: Target[] = [
    ratioTarget(rows, "upload: s3xfer wall vs aws s3 cp", upload, "s3xfer", "aws", "wallSeconds", 0.7),
    ratioTarget(
      rows,
      "upload: s3xfer wall vs lib-storage defaults",
      upload,
      "s3xfer",
      "lib-storage",
      "wallSeconds",
      0.8,
    ),
    ratioTarget(
      rows,
      "upload: s3xfer CPU/GiB vs lib-storage defaults (CRC32)",
      upload,
      "s3xfer",
      "lib-storage",
      "cpuSecondsPerGiB",
      0.5,
    ),
    ratioTarget(
      rows,
      "upload: s3xfer CPU/GiB vs lib-storage 16 MiB × 8, CRC64NVME",
      upload,
      "s3xfer",
      "lib-storage-16m8",
      "cpuSecondsPerGiB",
      0.5,
    ),
    ratioTarget(rows, "copy: s3xfer wall vs aws s3 cp", copyBig, "s3xfer", "aws", "wallSeconds", 0.5),
    ratioTarget(rows, "copy: s3xfer wall vs rclone copyto", copyBig, "s3xfer", "rclone", "wallSeconds", 0.5),
    ratioTarget(
      rows,
      "copy: s3xfer --force-multipart wall vs aws s3 cp (both UploadPartCopy)",
      copyBig,
      "s3xfer-parts",
      "aws",
      "wallSeconds",
      0.5,
    ),
  ];
  if (wanCopy) {
    out.push(
      ratioTarget(
        rows,
        "copy over WAN: s3xfer wall vs aws s3 cp",
        wanCopy,
        "s3xfer",
        "aws",
        "wallSeconds",
        0.3,
      ),
    );
    out.push(
      ratioTarget(
        rows,
        "copy over WAN: s3xfer wall vs rclone copyto",
        wanCopy,
        "s3xfer",
        "rclone",
        "wallSeconds",
        0.3,
      ),
    );
    out.push(
      ratioTarget(
        rows,
        "copy over WAN: s3xfer --force-multipart wall vs aws s3 cp",
        wanCopy,
        "s3xfer-parts",
        "aws",
        "wallSeconds",
        0.3,
      ),
    );
  }
  for (const [tool, limit] of [
    ["s3xfer", 150 * MiB + 8 * 16 * MiB],
    ["s3xfer-5m4", 150 * MiB + 4 * 5 * MiB],
  ] as const) {
    const row = rows.find((r) => r.group === upload && r.tool === tool);
    out.push({
      what: `memory: ${tool} upload peak RSS`,
      goal: `≤ ${sizeLabel(limit)} (150 MiB + concurrency × part size)`,
      measured: row ? `${fixed(row.maxRssBytes / MiB, 0)} MiB` : "not measured",
      met: row && Number.isFinite(row.maxRssBytes) ? row.maxRssBytes <= limit : null,
    });
  }
  const manyParts = probes.find((p) => p.name.startsWith("copy of"));
  out.push({
    what: `memory: ${manyParts?.name ?? "many-part copy"} peak RSS`,
    goal: "≤ 150MiB",
    measured: manyParts?.measured.ok
      ? `${fixed(manyParts.measured.maxRssBytes / MiB, 0)} MiB`
      : "not measured",
    met: manyParts?.measured.ok ? manyParts.measured.maxRssBytes <= 150 * MiB : null,
  });
  return out;
}

/** Horizontal bars of median wall seconds, one block per test. */
function svgChart(rows: readonly Row[]): string {
  const barHeight = 16;
  const labelWidth = 330;
  const chartWidth = 420;
  const lines: string[] = [];
  let y = 10;
  const groups = [...new Set(rows.map((r) => r.group))];
  for (const group of groups) {
    const mine = rows.filter((r) => r.group === group);
    const max = Math.max(...mine.map((r) => (Number.isFinite(r.wallSeconds) ? r.wallSeconds : 0)), 0.001);
    lines.push(
      `<text x="4" y="${y + 12}" font-weight="bold">${escapeXml(mine[0]!.title)} — wall seconds (median)</text>`,
    );
    y += 20;
    for (const r of mine) {
      const width = Number.isFinite(r.wallSeconds) ? (r.wallSeconds / max) * chartWidth : 0;
      const colour = r.tool.startsWith("s3xfer") ? "#2b7bb9" : "#999";
      lines.push(
        `<text x="4" y="${y + 12}">${escapeXml(`${r.name} (${r.settings})`.slice(0, 52))}</text>`,
        `<rect x="${labelWidth}" y="${y + 2}" width="${width.toFixed(1)}" height="${barHeight - 4}" fill="${colour}"/>`,
        `<text x="${labelWidth + width + 4}" y="${y + 12}">${fixed(r.wallSeconds, 2)}</text>`,
      );
      y += barHeight;
    }
    y += 10;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + chartWidth + 60}" height="${y}" ` +
    `font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n${lines.join("\n")}\n</svg>\n`
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

async function commandOutput(argv: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(argv[0]!, argv.slice(1), {
      timeout: 20_000,
      env: childEnv(ENDPOINT),
    });
    return (stdout || stderr).trim().split("\n")[0]!;
  } catch (error) {
    return `unavailable (${(error as Error).message.split("\n")[0]})`;
  }
}

async function machineDescription() {
  const cpus = os.cpus();
  const packageVersion = (name: string) => {
    try {
      return (
        JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as {
          version: string;
        }
      ).version;
    } catch {
      return "unknown";
    }
  };
  const git = await commandOutput(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]);
  const dirty = await execFileAsync("git", ["-C", ROOT, "status", "--porcelain"]).then(
    ({ stdout }) => stdout.trim() !== "",
    () => false,
  );
  return {
    hostname: os.hostname(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    s3xfer: `${(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version} (${git}${dirty ? ", uncommitted changes" : ""})`,
    s3xferDist: DIST,
    awsCli: await commandOutput([AWS, "--version"]),
    rclone: await commandOutput([RCLONE, "version"]),
    libStorage: packageVersion("@aws-sdk/lib-storage"),
    clientS3: packageVersion("@aws-sdk/client-s3"),
    server: `${await commandOutput(["ceph", "--version"])}, radosgw beast, bluestore on a sparse file, 1 OSD (${S3_DIR})`,
    endpoint: ENDPOINT,
    loadAverageAtStart: os.loadavg(),
  };
}

// --- main ------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  const name = `peers-${stamp}${options.quick ? "-quick" : ""}`;
  const uploadSize = options.quick ? 256 * MiB : GiB;
  const copySizes = options.quick ? [256 * MiB, GiB] : [GiB, 4 * GiB];
  const manyParts = options.quick ? 2_000 : 10_000;
  const dataDir = path.join(os.tmpdir(), `s3xfer-bench-data-${process.pid}`);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(options.out, { recursive: true });
  const file = path.join(dataDir, `upload-${sizeLabel(uploadSize)}.bin`);

  const machine = await machineDescription();
  log(
    `peer bench (${options.quick ? "quick" : "full"}): ${options.reps} round(s), endpoint ${ENDPOINT}, ${machine.cpus} × ${machine.cpuModel}`,
  );
  await checkServerSpace();
  await ensureBucket();
  await abortUploads();

  const records: RunRecord[] = [];
  const probes: ProbeRecord[] = [];
  const groups: Group[] = [];
  let wanProxy: ReturnType<typeof spawn> | undefined;
  const sources: string[] = [];
  const started = performance.now();
  try {
    const needsFile =
      options.groups.has("upload") || options.groups.has("probes") || options.groups.has("wan");
    if (needsFile) {
      log(`writing ${sizeLabel(uploadSize)} of random data to ${file}`);
      await writeRandomFile(file, uploadSize);
    }
    const makeSource = async (size: number): Promise<string> => {
      const key = `sources/object-${sizeLabel(size)}`;
      if (!sources.includes(key)) {
        log(`uploading copy source s3://${BUCKET}/${key} (s3xfer defaults: 16 MiB parts; untimed)`);
        const made = await measure(
          [process.execPath, probe, "make-object", BUCKET, key, String(size)],
          childEnv(ENDPOINT),
        );
        checkInterrupted();
        if (!made.ok) throw new Error(`making the copy source failed: ${made.stderrTail}`);
        sources.push(key);
      }
      return key;
    };

    if (options.groups.has("upload")) {
      groups.push({
        id: `upload-${sizeLabel(uploadSize)}`,
        title: `upload ${sizeLabel(uploadSize)}`,
        kind: "upload",
        size: uploadSize,
        network: "loopback",
        endpoint: ENDPOINT,
        tools: UPLOAD_TOOLS,
        source: file,
      });
    }
    if (options.groups.has("copy")) {
      for (const size of copySizes) {
        groups.push({
          id: `copy-${sizeLabel(size)}`,
          title: `copy ${sizeLabel(size)}`,
          kind: "copy",
          size,
          network: "loopback",
          endpoint: ENDPOINT,
          tools: COPY_TOOLS,
          source: await makeSource(size),
        });
      }
    }
    for (const group of groups) {
      log(`== ${group.title} (${group.tools.length} tools × ${options.reps} rounds, interleaved)`);
      await runGroup(group, options.reps, records);
    }

    if (options.groups.has("probes")) {
      log("== probes");
      for (let round = 0; round < options.reps; round++) {
        await runProbe(
          `s3xfer library upload of ${sizeLabel(uploadSize)}`,
          ["upload", file, BUCKET, `runs/probe/upload-r${round + 1}`],
          probes,
        );
        await removeObject(`runs/probe/upload-r${round + 1}`);
        await collectGarbage();
      }
      // A copy with as many parts as S3 allows: the server's minimum part size lowered on this instance only.
      const partSize = 8 * 1024;
      const sourceKey = `sources/object-${manyParts}-parts`;
      await setMinPartSize(4096);
      try {
        await runProbe(
          `upload of ${manyParts.toLocaleString("en-US")} parts of 8 KiB (source)`,
          ["make-object", BUCKET, sourceKey, String(manyParts * partSize), String(partSize), "4096", "32"],
          probes,
        );
        sources.push(sourceKey);
        await runProbe(
          `copy of ${manyParts.toLocaleString("en-US")} parts of 8 KiB`,
          ["copy", BUCKET, sourceKey, `runs/probe/copy-${manyParts}`, "4096"],
          probes,
        );
        await removeObject(`runs/probe/copy-${manyParts}`);
        await collectGarbage();
        // The same with one worker thread (option `threads: 1`): what a copy-specific pool size would save.
        await runProbe(
          `same copy, threads: 1`,
          ["copy", BUCKET, sourceKey, `runs/probe/copy-${manyParts}-t1`, "4096", "1"],
          probes,
        );
        await removeObject(`runs/probe/copy-${manyParts}-t1`);
      } finally {
        await setMinPartSize(5 * MiB);
      }
    }

    if (options.wan && options.groups.has("wan")) {
      const port = S3_PORT + 10;
      log(
        `== WAN: user-space link on 127.0.0.1:${port}: ${options.rttMs} ms RTT, ${options.rateMbit} Mbit/s each way`,
      );
      wanProxy = spawn(
        process.execPath,
        [
          path.join(ROOT, "bench/peers/wan-proxy.mjs"),
          String(port),
          String(S3_PORT),
          String(options.rttMs),
          String(options.rateMbit),
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      await new Promise<void>((resolve, reject) => {
        wanProxy!.stdout!.once("data", () => resolve());
        wanProxy!.once("exit", (code) => reject(new Error(`the WAN proxy exited (${code})`)));
      });
      const endpoint = `http://127.0.0.1:${port}`;
      const network = `${options.rttMs} ms RTT, ${options.rateMbit} Mbit/s`;
      const wanGroups: Group[] = [
        {
          id: `wan-upload-${sizeLabel(uploadSize)}`,
          title: `upload ${sizeLabel(uploadSize)}, ${network}`,
          kind: "upload",
          size: uploadSize,
          network,
          endpoint,
          tools: UPLOAD_TOOLS,
          source: file,
        },
        {
          id: `wan-copy-${sizeLabel(copySizes[1]!)}`,
          title: `copy ${sizeLabel(copySizes[1]!)}, ${network}`,
          kind: "copy",
          size: copySizes[1]!,
          network,
          endpoint,
          tools: COPY_TOOLS,
          source: await makeSource(copySizes[1]!),
        },
      ];
      for (const group of wanGroups) {
        groups.push(group);
        log(`== ${group.title} (${group.tools.length} tools × ${options.reps} rounds, interleaved)`);
        await runGroup(group, options.reps, records);
      }
    }
  } finally {
    if (wanProxy?.pid) wanProxy.kill("SIGTERM");
    for (const key of sources) await removeObject(key);
    await abortUploads();
    await collectGarbage();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const rows = groups.flatMap((group) => rowsOf(group, records));
  const uploadGroup = groups.find((g) => g.kind === "upload" && g.network === "loopback")?.id ?? "";
  const copyGroup = groups.filter((g) => g.kind === "copy" && g.network === "loopback").pop()?.id ?? "";
  const wanCopy = groups.find((g) => g.kind === "copy" && g.network !== "loopback")?.id ?? null;
  const goals = targets(rows, probes, uploadGroup, copyGroup, wanCopy);
  const minutes = (performance.now() - started) / 60_000;

  const md: string[] = [];
  md.push(
    `## s3xfer vs peers — ${new Date().toISOString()}${options.quick ? " (quick: smaller sizes, 1 round)" : ""}\n`,
  );
  md.push(
    `${machine.cpus} × ${machine.cpuModel}, ${(machine.memoryBytes / GiB).toFixed(1)} GiB RAM, ${machine.kernel}, Node ${machine.node}; ` +
      `s3xfer ${machine.s3xfer}; ${machine.awsCli}; ${machine.rclone}; @aws-sdk/lib-storage ${machine.libStorage}; ` +
      `server: ${machine.server}. Median of ${options.reps} interleaved round(s); ${minutes.toFixed(1)} min in all; ` +
      `load average at start ${machine.loadAverageAtStart.map((n) => n.toFixed(1)).join(" ")}, at end ${os
        .loadavg()
        .map((n) => n.toFixed(1))
        .join(" ")}.\n\n`,
  );
  md.push(formatTable(TABLE, tableRows(rows)));
  md.push(
    "\nClient CPU and peak RSS: the client process tree (user+sys and max RSS from wait4, via /usr/bin/time). " +
      "Server CPU: this instance's radosgw + ceph-osd. S3 requests: radosgw's request counter. " +
      "Others' CPU: every other process on the machine meanwhile (noise from a shared machine). Ratios: ÷ the s3xfer-defaults row of the same test.\n",
  );
  md.push("\n### Targets (measured, not asserted)\n");
  md.push(
    formatTable(
      [{ header: "target" }, { header: "goal" }, { header: "measured" }, { header: "met" }],
      goals.map((t) => [t.what, t.goal, t.measured, t.met === null ? "–" : t.met ? "yes" : "NO"]),
    ),
  );
  if (probes.length) {
    md.push("\n### s3xfer library probes (own process each)\n");
    md.push(
      formatTable(
        [
          { header: "probe" },
          { header: "parts", align: "right" },
          { header: "wall s", align: "right" },
          { header: "CPU s", align: "right" },
          { header: "peak RSS MiB", align: "right" },
          { header: "server CPU s", align: "right" },
          { header: "event-loop delay p50 / p99 / max ms", align: "right" },
          { header: "main thread CPU s", align: "right" },
          { header: "main thread waiting for a core s", align: "right" },
        ],
        probes.map((p) => [
          p.name,
          p.output ? String(p.output.parts) : "–",
          fixed(p.measured.wallSeconds, 2),
          fixed(p.measured.cpuSeconds, 2),
          fixed(p.measured.maxRssBytes / MiB, 0),
          fixed(p.measured.serverCpuSeconds, 1),
          p.output
            ? `${p.output.eventLoopDelayMs.p50Ms.toFixed(1)} / ${p.output.eventLoopDelayMs.p99Ms.toFixed(1)} / ${p.output.eventLoopDelayMs.maxMs.toFixed(1)}`
            : "–",
          fixed(p.output?.mainThread ? p.output.mainThread.cpuMs / 1000 : Number.NaN, 2),
          fixed(p.output?.mainThread ? p.output.mainThread.runQueueWaitMs / 1000 : Number.NaN, 2),
        ]),
      ),
    );
    md.push(
      "\nEvent-loop delay: the main thread's, beyond a 10 ms sampling period (perf_hooks.monitorEventLoopDelay). " +
        "Waiting for a core: time the main thread was runnable but not running (/proc schedstat) — on a busy 2-core " +
        "machine most of the delay is this, not work on the main thread.\n",
    );
  }
  const markdown = md.join("");
  process.stdout.write(`\n${markdown}`);

  const base = path.join(options.out, name);
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ name, date: new Date().toISOString(), options: { ...options, groups: [...options.groups] }, machine, rows, targets: goals, probes, runs: records, minutes }, null, 2)}\n`,
  );
  writeFileSync(`${base}.md`, markdown);
  if (rows.length) writeFileSync(`${base}.svg`, svgChart(rows));
  log(`\nwrote ${base}.json, .md${rows.length ? " and .svg" : ""}`);
  s3.destroy();
}

if (!existsSync(path.join(DIST, "cli/main.js"))) {
  console.error(`no s3xfer build at ${DIST}: run npm run build`);
  process.exit(2);
}
try {
  await main();
} catch (error) {
  log(
    interrupted
      ? "interrupted: what this run created was removed"
      : `bench failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = interrupted ? 130 : 1;
}
