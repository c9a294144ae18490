import cliProgress from "cli-progress";
import { formatSize } from "../planner/size.js";
import type { TransferEvent } from "../transfer/events.js";
import type { TransferResult } from "../transfer/result.js";
import { writeErr, writeOut } from "./redact.js";

export type OutputMode = "bar" | "json" | "quiet" | "plain";

/**
 * Turns transfer events into what the terminal shows: a live bar on stderr when it is a terminal, NDJSON on
 * stdout with --json, nothing but the result otherwise.
 */
export class ProgressDisplay {
  private bar: cliProgress.SingleBar | undefined;
  private total: number | null = null;
  private partCount: number | null = null;
  private lastJsonProgress = 0;

  constructor(private readonly mode: OutputMode) {}

  onEvent = (event: TransferEvent): void => {
    if (this.mode === "json") return this.json(event);
    if (this.mode !== "bar") return;
    switch (event.type) {
      case "start":
        this.total = event.size;
        this.partCount = event.partCount;
        for (const note of event.notes) writeErr(`note: ${note}\n`);
        this.startBar(event);
        break;
      case "progress":
        if (event.totalBytes !== null && this.total === null) {
          this.total = event.totalBytes;
          this.bar?.setTotal(Math.max(1, event.totalBytes));
        }
        if (event.partCount !== null) this.partCount = event.partCount;
        this.bar?.update(event.bytesDone, {
          done: formatSize(event.bytesDone),
          rate: `${formatSize(event.bytesPerSecond)}/s`,
          eta: eta(event.totalBytes, event.bytesDone, event.bytesPerSecond),
          parts: `${event.partsDone}/${this.partCount ?? "?"}`,
          conc: String(event.concurrency),
        });
        break;
      case "note":
        this.log(`note: ${event.message}`);
        break;
      case "retry":
        this.log(
          `retry: part ${event.partNumber} attempt ${event.attempt} failed (${event.code}); again in ${event.delayMs} ms`,
        );
        break;
      default:
        break;
    }
  };

  /** Stops the bar before the summary or an error is printed. */
  finish(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private startBar(event: Extract<TransferEvent, { type: "start" }>): void {
    const totalText = event.size === null ? "?" : formatSize(event.size);
    this.bar = new cliProgress.SingleBar(
      {
        format: `{bar} {percentage}% | {done} / ${totalText} | {rate} | ETA {eta} | parts {parts} | x{conc}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 40,
        fps: 8,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(1, event.size ?? 1), 0, {
      done: "0 B",
      rate: "0 B/s",
      eta: "?",
      parts: `0/${event.partCount ?? "?"}`,
      conc: String(event.concurrency),
    });
  }

  private log(line: string): void {
    if (this.bar) {
      // cli-progress redraws over the current line; clear it and let the bar redraw below the message.
      writeErr(`\r\x1b[K${line}\n`);
    } else {
      writeErr(`${line}\n`);
    }
  }

  private json(event: TransferEvent): void {
    if (event.type === "progress") {
      // At most a few lines a second: enough to draw a bar from, not enough to flood a log.
      const now = Date.now();
      if (now - this.lastJsonProgress < 500) return;
      this.lastJsonProgress = now;
    }
    // The result object itself is printed as the last line by the command.
    if (event.type === "complete") return;
    writeOut(`${JSON.stringify(event)}\n`);
  }
}

/** Time left at the smoothed rate; "?" until there is a rate (the first parts of a copy take a while). */
function eta(total: number | null, done: number, rate: number): string {
  if (total === null || rate <= 0) return "?";
  const seconds = Math.round((total - done) / rate);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

export function summaryLine(result: TransferResult): string {
  const seconds = result.durationMs / 1000;
  const rate = seconds > 0 ? `${formatSize(Math.round(result.size / seconds))}/s` : "-";
  const verb = result.operation === "upload" ? "uploaded" : "copied";
  const parts =
    result.request === "single" ? "1 request" : `${result.parts} parts of ${formatSize(result.partSize)}`;
  const resumed = result.partsResumed ? ` (${result.partsResumed} resumed, ${result.partsSent} sent)` : "";
  const checksum = result.checksum ? `, ${result.checksumAlgorithm} ${result.checksum}` : "";
  const retries = result.retries ? `, ${result.retries} retries` : "";
  return (
    `${verb} ${formatSize(result.size)} to s3://${result.bucket}/${result.key} in ${seconds.toFixed(1)} s (${rate}), ` +
    `${parts}${resumed}${checksum}, etag ${result.etag}${retries}\nverified: ${result.verified.summary}\n` +
    result.notes.map((note) => `note: ${note}\n`).join("")
  );
}

/** How a transfer command reports: --json, --quiet, a bar on a terminal, or plain lines. */
export function outputMode(args: { json: boolean; quiet: boolean; progress: boolean }): OutputMode {
  if (args.json) return "json";
  if (args.quiet) return "quiet";
  if (args.progress && process.stderr.isTTY) return "bar";
  return "plain";
}

/** The result on stdout: the JSON object as the last line with --json, else the summary. */
export function printResult(mode: OutputMode, result: TransferResult): void {
  if (mode === "json") writeOut(`${JSON.stringify(result)}\n`);
  else if (mode !== "quiet") writeOut(summaryLine(result));
}
