/**
 * Runs one client as its own process tree under GNU time, which reports what wait4() says about the whole
 * tree: user and system CPU of the process and every child it waited for, and the peak RSS of the largest
 * one. Nothing of the bench itself is counted.
 */
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const TIME = "/usr/bin/time";

export interface ProcessCost {
  ok: boolean;
  exitCode: number | null;
  wallSeconds: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
  stdout: string;
  stderr: string;
}

/** The last line GNU time writes with `-f "%e %U %S %M"`: wall, user, system seconds, max RSS in KiB. */
export function parseTimeLine(text: string): {
  wall: number;
  user: number;
  system: number;
  maxRssKiB: number;
} {
  const lines = text.trim().split("\n");
  const fields = (lines[lines.length - 1] ?? "").trim().split(/\s+/).map(Number);
  if (fields.length !== 4 || fields.some((n) => !Number.isFinite(n))) {
    return { wall: Number.NaN, user: Number.NaN, system: Number.NaN, maxRssKiB: Number.NaN };
  }
  const [wall, user, system, maxRssKiB] = fields as [number, number, number, number];
  return { wall, user, system, maxRssKiB };
}

function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

let current: ReturnType<typeof spawn> | undefined;

/** Kills the client being measured (its own process group), e.g. on Ctrl-C. */
export function killCurrent(): void {
  if (!current?.pid) return;
  try {
    process.kill(-current.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

export async function measureProcess(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ProcessCost> {
  const timeFile = path.join(os.tmpdir(), `s3xfer-clientbench-${process.pid}-${Date.now()}`);
  const started = performance.now();
  const child = spawn(TIME, ["-f", "%e %U %S %M", "-o", timeFile, ...argv], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  current = child;
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout = tail(stdout + chunk.toString("utf8"), 64_000)));
  child.stderr.on("data", (chunk: Buffer) => (stderr = tail(stderr + chunk.toString("utf8"), 64_000)));
  const timer = setTimeout(killCurrent, timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  clearTimeout(timer);
  current = undefined;
  const wallSeconds = (performance.now() - started) / 1000;
  let parsed = parseTimeLine("");
  try {
    parsed = parseTimeLine(readFileSync(timeFile, "utf8"));
  } catch {
    // time wrote nothing: the run was killed
  }
  rmSync(timeFile, { force: true });
  return {
    ok: exitCode === 0,
    exitCode,
    wallSeconds,
    cpuUserSeconds: parsed.user,
    cpuSystemSeconds: parsed.system,
    cpuSeconds: parsed.user + parsed.system,
    maxRssBytes: parsed.maxRssKiB * 1024,
    stdout: tail(stdout),
    stderr: tail(stderr),
  };
}

/** The 1, 5 and 15 minute load averages: how busy the shared machine was. */
export function loadAverage(): [number, number, number] {
  return os.loadavg() as [number, number, number];
}
