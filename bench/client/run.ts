/**
 * npm run bench:client [-- --quick] — what each S3 client itself costs (CPU, memory, start-up), measured
 * against a null S3 sink of our own (bench/client/sink.ts) so that no server is the bottleneck. See
 * bench/client/README.md for what is measured and how.
 *
 *   --quick             256 MiB upload, 2,000-part copy, 1 round (a minute or two)
 *   --reps N            rounds, interleaved (default 3; start-up cases run N + 2 times)
 *   --size-mib N        upload size (default 2048)
 *   --copy-parts N      parts of the server-side copy (default 10,000, 5 MiB each)
 *   --only LIST         upload,copy,startup
 *   --cases REGEX       only the cases whose id matches (ids: s3xfer-default, aws-v2-copy, floor-NONE, …)
 *   --baseline DIR      also run the s3xfer cases with the build in DIR (a dist/ directory), interleaved,
 *                       labelled "base": before/after figures of a change from one run
 *   --out DIR           where the JSON goes (default bench/results)
 */
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { GiB, MiB } from "../../src/bench/format.js";
import { writeRandomFile } from "../../src/bench/random-data.js";
import { killCurrent, loadAverage, measureProcess, type ProcessCost } from "./measure.js";
import { copyTable, startupTable, summarise, uploadTable, type CaseInfo, type Run } from "./report.js";
import type { SinkStats } from "./sink.js";

const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const DIST = path.resolve(process.env.S3XFER_DIST ?? path.join(ROOT, "dist"));
const BUCKET = "bench";
const RUN_TIMEOUT_MS = 20 * 60_000;

interface Options {
  quick: boolean;
  reps: number;
  sizeMiB: number;
  copyParts: number;
  only: Set<string>;
  baseline?: string;
  cases?: RegExp;
  out: string;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    quick: false,
    reps: 3,
    sizeMiB: 2048,
    copyParts: 10_000,
    only: new Set(["upload", "copy", "startup"]),
    out: path.join(ROOT, "bench/results"),
  };
  let reps: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--quick") options.quick = true;
    else if (arg === "--reps") reps = Number(value());
    else if (arg === "--size-mib") options.sizeMiB = Number(value());
    else if (arg === "--copy-parts") options.copyParts = Number(value());
    else if (arg === "--only") options.only = new Set(value().split(","));
    else if (arg === "--baseline") options.baseline = path.resolve(value());
    else if (arg === "--cases") options.cases = new RegExp(value());
    else if (arg === "--out") options.out = path.resolve(value());
    else throw new Error(`unknown option ${arg}`);
  }
  if (options.quick) {
    options.sizeMiB = Math.min(options.sizeMiB, 256);
    options.copyParts = Math.min(options.copyParts, 2_000);
  }
  options.reps = reps ?? (options.quick ? 1 : 3);
  return options;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// --- the peers -----------------------------------------------------------------------------------------

/** aws-cli v1: the first `aws` on PATH that is not Debian's v2; a pyenv shim is resolved to the real file. */
function awsV1(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const candidate = path.join(dir, "aws");
    if (!dir || candidate === "/usr/bin/aws" || !existsSync(candidate)) continue;
    if (dir.includes(".pyenv/shims")) {
      try {
        return execFileSync("pyenv", ["which", "aws"], { encoding: "utf8" }).trim();
      } catch {
        continue;
      }
    }
    return candidate;
  }
  return undefined;
}

function version(argv: string[]): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
      .split("\n")[0]!
      .trim();
  } catch {
    return "unavailable";
  }
}

// --- the sink ------------------------------------------------------------------------------------------

interface Sink {
  port: number;
  stats(): Promise<SinkStats>;
  stop(): void;
}

async function startSink(): Promise<Sink> {
  const child = spawn(
    process.execPath,
    ["--import", path.join(ROOT, "bench/register.mjs"), path.join(ROOT, "bench/client/sink.ts"), "0"],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the sink exited (${code}) before listening`)));
  });
  const { port } = JSON.parse(first) as { port: number };
  return {
    port,
    async stats() {
      const response = await fetch(`http://127.0.0.1:${port}/__sink/stats`);
      return (await response.json()) as SinkStats;
    },
    stop() {
      child.stdin.end();
    },
  };
}

// --- the cases -----------------------------------------------------------------------------------------

interface Case extends CaseInfo {
  group: "upload" | "copy" | "startup";
  argv(key: string): string[];
  env?: NodeJS.ProcessEnv;
  /** Upload: bytes. Copy: parts. */
  units: number;
}

function buildCases(
  options: Options,
  file: string,
  tiny: string,
  endpoint: string,
  env: NodeJS.ProcessEnv,
  tmp: string,
): Case[] {
  const cases: Case[] = [];
  const size = options.sizeMiB * MiB;
  const node = process.execPath;
  const v1 = awsV1();
  const haveV2 = existsSync("/usr/bin/aws");
  const haveRclone = existsSync("/usr/bin/rclone");
  const haveLibStorage = existsSync(path.join(ROOT, "node_modules/@aws-sdk/lib-storage"));
  if (!v1) log("bench: aws-cli v1 (an `aws` on PATH other than /usr/bin/aws) not found: skipped");
  if (!haveV2) log("bench: aws-cli v2 (/usr/bin/aws) not installed: skipped");
  if (!haveRclone) log("bench: rclone (/usr/bin/rclone) not installed: skipped");
  if (!haveLibStorage) log("bench: @aws-sdk/lib-storage not installed (npm ci): skipped");

  const copyConfig = path.join(tmp, "aws-copy.cfg");
  writeFileSync(
    copyConfig,
    "[default]\nregion = us-east-1\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n  max_concurrent_requests = 32\n",
  );
  const builds: [string, string][] = [["", DIST]];
  if (options.baseline) builds.push([" base", options.baseline]);
  const s3xfer =
    (dist: string, ...args: string[]) =>
    (key: string) => {
      const argv = [node, path.join(dist, "cli/main.js"), ...args];
      return argv.map((a) => a.replace("{key}", key));
    };
  const up = (...extra: string[]) => [
    "cp",
    file,
    `s3://${BUCKET}/{key}`,
    "--no-progress",
    "--json",
    "--endpoint-url",
    endpoint,
    ...extra,
  ];
  const awsUp = (bin: string) => (key: string) => [
    bin,
    "--endpoint-url",
    endpoint,
    "s3",
    "cp",
    file,
    `s3://${BUCKET}/${key}`,
    "--no-progress",
    "--only-show-errors",
  ];
  const awsTiny = (bin: string) => (key: string) => [
    bin,
    "--endpoint-url",
    endpoint,
    "s3",
    "cp",
    tiny,
    `s3://${BUCKET}/${key}`,
    "--no-progress",
    "--only-show-errors",
  ];

  if (options.only.has("upload")) {
    const floor = (alg: string): Case => ({
      id: `floor-${alg}`,
      label: `floor: read+${alg === "NONE" ? "no checksum" : alg}+http`,
      kind: "floor",
      group: "upload",
      units: size,
      argv: () => [
        node,
        path.join(ROOT, "bench/client/floor.mjs"),
        file,
        `${endpoint}/${BUCKET}`,
        String(16 * MiB),
        alg,
      ],
    });
    for (const [suffix, dist] of builds) {
      const id = (name: string) => `s3xfer${suffix.replace(" ", "-")}-${name}`;
      cases.push(
        {
          id: id("default"),
          label: `s3xfer${suffix} 16MiB×8 CRC64NVME`,
          kind: "s3xfer",
          group: "upload",
          units: size,
          floorId: "floor-CRC64NVME",
          argv: s3xfer(dist, ...up()),
        },
        {
          id: id("crc32c"),
          label: `s3xfer${suffix} 16MiB×8 CRC32C`,
          kind: "s3xfer",
          group: "upload",
          units: size,
          floorId: "floor-CRC32C",
          argv: s3xfer(dist, ...up("--checksum-algorithm", "CRC32C")),
        },
        {
          id: id("none"),
          label: `s3xfer${suffix} 16MiB×8 NONE`,
          kind: "s3xfer",
          group: "upload",
          units: size,
          floorId: "floor-NONE",
          argv: s3xfer(dist, ...up("--checksum-algorithm", "NONE")),
        },
        {
          id: id("8x10"),
          label: `s3xfer${suffix} 8MiB×10 CRC64NVME`,
          kind: "s3xfer",
          group: "upload",
          units: size,
          floorId: "floor-CRC64NVME",
          argv: s3xfer(dist, ...up("--part-size", "8MiB", "--concurrency", "10")),
        },
        {
          id: id("64x16"),
          label: `s3xfer${suffix} 64MiB×16 CRC64NVME`,
          kind: "s3xfer",
          group: "upload",
          units: size,
          floorId: "floor-CRC64NVME",
          argv: s3xfer(dist, ...up("--part-size", "64MiB", "--concurrency", "16")),
        },
      );
    }
    if (v1)
      cases.push({
        id: "aws-v1",
        label: "aws-cli v1 8MiB×10",
        kind: "peer",
        group: "upload",
        units: size,
        argv: awsUp(v1),
      });
    if (haveV2)
      cases.push({
        id: "aws-v2",
        label: "aws-cli v2 8MiB×10",
        kind: "peer",
        group: "upload",
        units: size,
        argv: awsUp("/usr/bin/aws"),
      });
    if (haveRclone)
      cases.push({
        id: "rclone",
        label: "rclone 5MiB×4 MD5",
        kind: "peer",
        group: "upload",
        units: size,
        argv: (key) => ["/usr/bin/rclone", "copyto", file, `bench:${BUCKET}/${key}`],
      });
    if (haveLibStorage)
      cases.push({
        id: "lib-storage",
        label: "lib-storage 5MiB×4 CRC32",
        kind: "peer",
        group: "upload",
        units: size,
        argv: (key) => [node, path.join(ROOT, "bench/peers/lib-storage-upload.mjs"), file, BUCKET, key],
      });
    cases.push(floor("CRC64NVME"), floor("CRC32C"), floor("NONE"));
  }

  if (options.only.has("copy")) {
    const parts = options.copyParts;
    const source = `src-${parts * 5 * MiB}`;
    for (const [suffix, dist] of builds) {
      cases.push({
        id: `s3xfer${suffix.replace(" ", "-")}-copy`,
        label: `s3xfer${suffix} 5MiB parts ×32`,
        kind: "s3xfer",
        group: "copy",
        units: parts,
        argv: s3xfer(
          dist,
          "cp",
          `s3://${BUCKET}/${source}`,
          `s3://${BUCKET}/{key}`,
          "--part-size",
          "5MiB",
          "--concurrency",
          "32",
          "--no-progress",
          "--json",
          "--endpoint-url",
          endpoint,
        ),
      });
    }
    if (haveV2) {
      cases.push({
        id: "aws-v2-copy",
        label: "aws-cli v2 5MiB parts ×32",
        kind: "peer",
        group: "copy",
        units: parts,
        env: { ...env, AWS_CONFIG_FILE: copyConfig },
        argv: (key) => [
          "/usr/bin/aws",
          "--endpoint-url",
          endpoint,
          "s3",
          "cp",
          `s3://${BUCKET}/${source}`,
          `s3://${BUCKET}/${key}`,
          "--no-progress",
          "--only-show-errors",
        ],
      });
    }
    if (haveRclone) {
      cases.push({
        id: "rclone-copy",
        label: "rclone 5MiB parts ×32",
        kind: "peer",
        group: "copy",
        units: parts,
        argv: (key) => [
          "/usr/bin/rclone",
          "copyto",
          `bench:${BUCKET}/${source}`,
          `bench:${BUCKET}/${key}`,
          "--s3-copy-cutoff",
          "5M",
          "--s3-upload-concurrency",
          "32",
        ],
      });
    }
  }

  if (options.only.has("startup")) {
    const st = (id: string, label: string, kind: Case["kind"], argv: Case["argv"]): Case => ({
      id,
      label,
      kind,
      group: "startup",
      units: 0,
      argv,
    });
    cases.push(st("node", "node -e 0", "floor", () => [node, "-e", "0"]));
    for (const [suffix, dist] of builds) {
      const id = (name: string) => `s3xfer${suffix.replace(" ", "-")}-${name}`;
      cases.push(
        st(id("version"), `s3xfer${suffix} --version`, "s3xfer", s3xfer(dist, "--version")),
        st(id("help"), `s3xfer${suffix} --help`, "s3xfer", s3xfer(dist, "--help")),
        st(id("plan"), `s3xfer${suffix} plan --size 1TiB`, "s3xfer", s3xfer(dist, "plan", "--size", "1TiB")),
        st(
          id("1byte"),
          `s3xfer${suffix} 1-byte upload`,
          "s3xfer",
          s3xfer(
            dist,
            "cp",
            tiny,
            `s3://${BUCKET}/{key}`,
            "--no-progress",
            "--json",
            "--endpoint-url",
            endpoint,
          ),
        ),
      );
    }
    if (v1) cases.push(st("aws-v1-1byte", "aws-cli v1 1-byte upload", "peer", awsTiny(v1)));
    if (haveV2) cases.push(st("aws-v2-1byte", "aws-cli v2 1-byte upload", "peer", awsTiny("/usr/bin/aws")));
    if (haveRclone)
      cases.push(
        st("rclone-1byte", "rclone 1-byte upload", "peer", (key) => [
          "/usr/bin/rclone",
          "copyto",
          tiny,
          `bench:${BUCKET}/${key}`,
        ]),
      );
    if (haveLibStorage)
      cases.push(
        st("lib-storage-1byte", "lib-storage 1-byte upload", "peer", (key) => [
          node,
          path.join(ROOT, "bench/peers/lib-storage-upload.mjs"),
          tiny,
          BUCKET,
          key,
        ]),
      );
  }
  return options.cases ? cases.filter((c) => options.cases!.test(c.id)) : cases;
}

function childEnv(endpoint: string, tmp: string): NodeJS.ProcessEnv {
  const noFile = path.join(tmp, "no-such-config");
  const plainConfig = path.join(tmp, "aws.cfg");
  writeFileSync(plainConfig, "[default]\nregion = us-east-1\n");
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: "C.UTF-8",
    TMPDIR: os.tmpdir(),
    // Journals of the measured s3xfer runs go here, not into the user's state directory.
    XDG_STATE_HOME: path.join(tmp, "state"),
    AWS_ACCESS_KEY_ID: "SINKACCESSKEY",
    AWS_SECRET_ACCESS_KEY: "sink-secret-key",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_ENDPOINT_URL: endpoint,
    AWS_CONFIG_FILE: plainConfig,
    AWS_SHARED_CREDENTIALS_FILE: noFile,
    AWS_PAGER: "",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    S3XFER_DIST: DIST,
    RCLONE_CONFIG: noFile,
    RCLONE_CONFIG_BENCH_TYPE: "s3",
    RCLONE_CONFIG_BENCH_PROVIDER: "Other",
    RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: "SINKACCESSKEY",
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: "sink-secret-key",
    RCLONE_CONFIG_BENCH_REGION: "us-east-1",
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: "true",
  };
}

// --- running -------------------------------------------------------------------------------------------

interface RecordedRun extends Run {
  round: number;
  exitCode: number | null;
  sinkCpuSeconds: number;
  sinkBodyBytes: number;
  sinkRequests: Partial<Record<string, number>>;
  stderrTail?: string;
}

function diffRequests(before: SinkStats, after: SinkStats): Partial<Record<string, number>> {
  const out: Partial<Record<string, number>> = {};
  for (const [name, count] of Object.entries(after.requests)) {
    const delta = (count ?? 0) - (before.requests[name as keyof SinkStats["requests"]] ?? 0);
    if (delta) out[name] = delta;
  }
  return out;
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`\n${signal}: stopping the run in progress (again to quit at once)`);
    killCurrent();
  });
}

async function runCase(c: Case, round: number, sink: Sink, env: NodeJS.ProcessEnv): Promise<RecordedRun> {
  const key = `${c.id}-r${round}-${Date.now()}`;
  const before = await sink.stats();
  const cost: ProcessCost = await measureProcess(c.argv(key), c.env ?? env, RUN_TIMEOUT_MS);
  const after = await sink.stats();
  const sinkCpu =
    after.cpuUserSeconds + after.cpuSystemSeconds - before.cpuUserSeconds - before.cpuSystemSeconds;
  const run: RecordedRun = {
    caseId: c.id,
    round,
    ok: cost.ok,
    exitCode: cost.exitCode,
    wallSeconds: cost.wallSeconds,
    cpuUserSeconds: cost.cpuUserSeconds,
    cpuSystemSeconds: cost.cpuSystemSeconds,
    maxRssBytes: cost.maxRssBytes,
    units: c.units,
    sinkCpuSeconds: sinkCpu,
    sinkBodyBytes: after.bodyBytes - before.bodyBytes,
    sinkRequests: diffRequests(before, after),
  };
  // An upload that sent fewer bytes than the file (or a copy with fewer part copies) did not do the work.
  if (c.group === "upload" && run.sinkBodyBytes < c.units) run.ok = false;
  if (c.group === "copy" && (run.sinkRequests.UploadPartCopy ?? 0) < c.units) run.ok = false;
  if (!run.ok) {
    run.stderrTail = cost.stderr.slice(-1500) || cost.stdout.slice(-1500);
    log(`   ${c.id} failed (exit ${cost.exitCode}): ${JSON.stringify(run.sinkRequests)}\n${run.stderrTail}`);
  }
  log(
    `   ${c.label.padEnd(34)} cpu ${cost.cpuSeconds.toFixed(2)} s  wall ${cost.wallSeconds.toFixed(2)} s  ` +
      `rss ${(cost.maxRssBytes / MiB).toFixed(0)} MiB  sink cpu ${sinkCpu.toFixed(2)} s`,
  );
  return run;
}

async function warmPageCache(file: string): Promise<void> {
  const handle = await open(file, "r");
  const buffer = Buffer.allocUnsafe(16 * MiB);
  try {
    while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
  } finally {
    await handle.close();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(path.join(DIST, "cli/main.js")))
    throw new Error(`no s3xfer build in ${DIST}: npm run build`);
  const loadStart = loadAverage();
  const tmp = mkdtempSync(path.join(os.tmpdir(), "s3xfer-clientbench-"));
  const sink = await startSink();
  const endpoint = `http://127.0.0.1:${sink.port}`;
  const env = childEnv(endpoint, tmp);
  const runs: RecordedRun[] = [];
  try {
    const file = path.join(tmp, "upload.bin");
    const tiny = path.join(tmp, "one-byte.bin");
    writeFileSync(tiny, "x");
    if (options.only.has("upload")) {
      log(`== writing a ${options.sizeMiB} MiB random file`);
      await writeRandomFile(file, options.sizeMiB * MiB);
      // Read it once so every client finds it in the page cache.
      await warmPageCache(file);
    }
    const cases = buildCases(options, file, tiny, endpoint, env, tmp);
    log(`== sink on ${endpoint}; load average ${loadStart.map((n) => n.toFixed(2)).join(" ")}`);
    for (const group of ["upload", "copy", "startup"] as const) {
      const mine = cases.filter((c) => c.group === group);
      if (mine.length === 0) continue;
      const rounds = group === "startup" ? options.reps + 2 : options.reps;
      for (let round = 0; round < rounds && !interrupted; round++) {
        log(`== ${group}, round ${round + 1} of ${rounds}`);
        // Interleaved, and each round starts at a different case, so slow drift of the machine is spread.
        for (let i = 0; i < mine.length && !interrupted; i++) {
          runs.push(await runCase(mine[(i + round) % mine.length]!, round, sink, env));
        }
      }
    }
    const loadEnd = loadAverage();
    const byGroup = (group: Case["group"]) => cases.filter((c) => c.group === group);
    const upload = summarise(byGroup("upload"), runs, "GiB");
    const copy = summarise(byGroup("copy"), runs, "part");
    const startup = summarise(byGroup("startup"), runs, "run");
    const sinkUpload = runs.filter((r) => byGroup("upload").some((c) => c.id === r.caseId) && r.ok);
    const sinkPerGiB = sinkUpload.length
      ? sinkUpload.reduce((s, r) => s + r.sinkCpuSeconds, 0) /
        (sinkUpload.reduce((s, r) => s + r.sinkBodyBytes, 0) / GiB)
      : Number.NaN;
    const sinkCopy = runs.filter((r) => byGroup("copy").some((c) => c.id === r.caseId) && r.ok);
    const sinkPerPart = sinkCopy.length
      ? (sinkCopy.reduce((s, r) => s + r.sinkCpuSeconds, 0) * 1000) /
        sinkCopy.reduce((s, r) => s + r.units, 0)
      : Number.NaN;

    const lines: string[] = [];
    lines.push(
      `s3xfer client cost against a null S3 sink: ${options.sizeMiB} MiB upload, ${options.copyParts}-part copy,`,
      `${options.reps} interleaved round(s), medians. CPU = user+sys of the client's process tree.`,
      `load average at start ${loadStart.map((n) => n.toFixed(2)).join(" ")}, at end ${loadEnd.map((n) => n.toFixed(2)).join(" ")}; ${os.cpus().length} cores`,
      `sink's own CPU: ${sinkPerGiB.toFixed(2)} s per GiB received, ${sinkPerPart.toFixed(3)} ms per copied part`,
      "",
    );
    if (upload.length)
      lines.push(
        uploadTable(upload),
        "×peer: to the cheapest peer; ×floor: to the floor with the same checksum.",
        "",
      );
    if (copy.length) lines.push(copyTable(copy), "");
    if (startup.length) lines.push(startupTable(startup), "×peer: to the cheapest peer's 1-byte upload.", "");
    const failed = runs.filter((r) => !r.ok).map((r) => `${r.caseId}#${r.round}`);
    if (failed.length) lines.push(`failed runs (left out of the medians): ${failed.join(", ")}`, "");
    const text = lines.join("\n");
    process.stdout.write(text);

    mkdirSync(options.out, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const out = path.join(options.out, `client-${options.quick ? "quick-" : ""}${stamp}.json`);
    const machine = {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      s3xferDist: DIST,
      baseline: options.baseline,
      awsV1: awsV1() ? version([awsV1()!, "--version"]) : "unavailable",
      awsV2: version(["/usr/bin/aws", "--version"]),
      rclone: version(["/usr/bin/rclone", "version"]),
    };
    writeFileSync(
      out,
      `${JSON.stringify({ options: { ...options, only: [...options.only], cases: options.cases?.source }, machine, loadStart, loadEnd, sinkCpuPerGiB: sinkPerGiB, sinkCpuMsPerPart: sinkPerPart, upload, copy, startup, runs, table: text }, null, 2)}\n`,
    );
    log(`== results: ${path.relative(ROOT, out)}`);
  } finally {
    sink.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
