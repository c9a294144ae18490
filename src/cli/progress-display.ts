import { S3xferError, TransferError } from "../errors.js";
import { formatSize } from "../planner/size.js";
import type { TransferEvent, TransferProgress } from "../transfer/events.js";
import type { TransferResult } from "../transfer/result.js";
import { stampEvent } from "../transfer/transfer-events.js";
import { formatRate, progressLine, type ProgressFigures } from "./progress-line.js";
import { RateMeter } from "./rate-meter.js";
import { writeErr, writeOut } from "./redact.js";
import { resumeCommand } from "./resume-command.js";

export type OutputMode = "bar" | "json" | "quiet" | "plain";

/** What the display draws on; a terminal by default, a fake one in tests. */
export interface DisplayTerminal {
  columns(): number;
  /** Milliseconds, monotonic. */
  now(): number;
  writeErr(text: string): void;
  writeOut(text: string): void;
}

const processTerminal: DisplayTerminal = {
  columns: () => process.stderr.columns || 80,
  now: () => performance.now(),
  writeErr,
  writeOut,
};

/** Progress lines with --json: at most this often, plus the last one before the transfer ends. */
const JSON_PROGRESS_INTERVAL_MS = 500;
/** The bar redraws at least this often, so the rate and ETA follow a stall instead of freezing. */
const REDRAW_INTERVAL_MS = 1_000;
const CLEAR_LINE = "\r\x1b[K";

/**
 * Turns transfer events into what the terminal shows: a live bar on stderr when it is a terminal, NDJSON on
 * stdout with --json (the result is the last line, as a `complete` event), nothing but the result otherwise.
 */
export class ProgressDisplay {
  private readonly meter: RateMeter;
  private readonly startedAt: number;
  private figures: ProgressFigures | undefined;
  /** Drawing stops for good on finish or on the first interrupt. */
  private drawing = false;
  private drawn = false;
  private timer: NodeJS.Timeout | undefined;
  private lastJsonProgressAt = -Infinity;
  private pendingJsonProgress: TransferEvent | undefined;
  private completeEvent: TransferEvent | undefined;
  private errorEvent: Extract<TransferEvent, { type: "error" }> | undefined;

  constructor(
    private readonly mode: OutputMode,
    private readonly terminal: DisplayTerminal = processTerminal,
  ) {
    this.meter = new RateMeter(8_000, 1_000, terminal.now);
    this.startedAt = terminal.now();
  }

  onEvent = (event: TransferEvent): void => {
    if (event.type === "progress") this.meter.sample(event.bytesDone);
    if (this.mode === "json") return this.json(event);
    if (this.mode !== "bar") return;
    switch (event.type) {
      case "start":
        for (const note of event.notes) this.log(`note: ${note}`);
        this.figures = {
          bytesDone: 0,
          totalBytes: event.size,
          bytesPerSecond: null,
          partsDone: 0,
          partCount: event.partCount,
          concurrency: event.concurrency,
          elapsedMs: 0,
        };
        this.drawing = true;
        this.timer = setInterval(() => this.draw(), REDRAW_INTERVAL_MS);
        this.timer.unref();
        break;
      case "progress":
        this.figures = this.fromProgress(event);
        this.draw();
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

  /**
   * The first Ctrl-C or SIGTERM: erase the bar (and the "^C" the terminal echoed over it) and stop drawing,
   * so the lines that follow start on a clean row.
   */
  interrupted(): void {
    this.stopDrawing();
  }

  /** Erases the bar before the summary or an error is printed. */
  finish(): void {
    this.stopDrawing();
    this.flushJsonProgress();
  }

  /** The result: a `complete` event as the last line with --json, else the summary (nothing with --quiet). */
  printResult(result: TransferResult): void {
    if (this.mode === "json") {
      this.terminal.writeOut(
        `${JSON.stringify(this.completeEvent ?? stampEvent({ type: "complete", result }))}\n`,
      );
    } else if (this.mode !== "quiet") {
      this.terminal.writeOut(summaryLine(result, this.bytesSentThisRun(result)));
    }
  }

  /**
   * With --json, a failure ends the stream with an `error` event carrying what a job needs to act on it: the
   * code, the exit code, and for a kept upload its journal and the command that resumes it.
   */
  printFailure(error: unknown, exitCode: number): void {
    if (this.mode !== "json") return;
    const held = this.errorEvent;
    const code = error instanceof S3xferError ? error.code : (held?.code ?? "TRANSFER_FAILED");
    const message = error instanceof Error ? error.message : String(error);
    const transfer = error instanceof TransferError ? error : undefined;
    const bucket = transfer?.bucket ?? held?.bucket;
    const key = transfer?.key ?? held?.key;
    const journalPath = transfer?.journalPath ?? held?.journalPath;
    const event = {
      ...(held ?? stampEvent({ type: "error", code, message })),
      code,
      message,
      exitCode,
      ...(bucket !== undefined ? { bucket } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(transfer?.uploadId ? { uploadId: transfer.uploadId } : {}),
      ...(transfer?.partNumber ? { partNumber: transfer.partNumber } : {}),
      ...(journalPath ? { journalPath } : {}),
      ...(journalPath && bucket !== undefined && key !== undefined
        ? { resumeCommand: resumeCommand(bucket, key, journalPath) }
        : {}),
    };
    this.terminal.writeOut(`${JSON.stringify(event)}\n`);
  }

  /** Bytes this run sent: a resumed transfer's earlier parts are not part of its rate. */
  private bytesSentThisRun(result: TransferResult): number {
    if (result.partsResumed === 0) return result.size;
    const baseline = this.meter.baseline();
    // No progress at all: the transfer had already completed, nothing was sent.
    if (baseline === undefined) return result.partsSent === 0 ? 0 : result.size;
    return Math.max(0, result.size - baseline);
  }

  private fromProgress(p: TransferProgress): ProgressFigures {
    return {
      bytesDone: p.bytesDone,
      totalBytes: p.totalBytes,
      bytesPerSecond: this.meter.bytesPerSecond(),
      partsDone: p.partsDone,
      partCount: p.partCount,
      concurrency: p.concurrency,
      elapsedMs: this.terminal.now() - this.startedAt,
    };
  }

  private draw(): void {
    if (!this.drawing || !this.figures) return;
    const figures = {
      ...this.figures,
      bytesPerSecond: this.meter.bytesPerSecond(),
      elapsedMs: this.terminal.now() - this.startedAt,
    };
    this.terminal.writeErr(`${CLEAR_LINE}${progressLine(figures, this.terminal.columns())}`);
    this.drawn = true;
  }

  private stopDrawing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.drawing = false;
    if (this.drawn) this.terminal.writeErr(CLEAR_LINE);
    this.drawn = false;
  }

  private log(line: string): void {
    // The bar is redrawn on the row below the message.
    if (this.drawn) this.terminal.writeErr(CLEAR_LINE);
    this.terminal.writeErr(`${line}\n`);
    this.drawn = false;
    this.draw();
  }

  private json(event: TransferEvent): void {
    switch (event.type) {
      case "progress": {
        // A few lines a second: enough to draw a bar from, not enough to flood a log. The last one is kept
        // and printed before the transfer ends, so the stream always ends at the final figures.
        const now = this.terminal.now();
        if (now - this.lastJsonProgressAt < JSON_PROGRESS_INTERVAL_MS) {
          this.pendingJsonProgress = event;
          return;
        }
        this.lastJsonProgressAt = now;
        this.pendingJsonProgress = undefined;
        break;
      }
      case "complete":
        // Printed by printResult as the last line, after everything else.
        this.flushJsonProgress();
        this.completeEvent = event;
        return;
      case "error":
        // Printed by printFailure with the exit code and how to resume.
        this.flushJsonProgress();
        this.errorEvent = event;
        return;
      default:
        this.flushJsonProgress();
    }
    this.terminal.writeOut(`${JSON.stringify(event)}\n`);
  }

  private flushJsonProgress(): void {
    const pending = this.pendingJsonProgress;
    if (!pending) return;
    this.pendingJsonProgress = undefined;
    this.lastJsonProgressAt = this.terminal.now();
    this.terminal.writeOut(`${JSON.stringify(pending)}\n`);
  }
}

/** The summary; the rate counts the bytes sent in this run (a resumed transfer's earlier parts excluded). */
export function summaryLine(result: TransferResult, bytesSent = result.size): string {
  const seconds = result.durationMs / 1000;
  const rate = seconds > 0 ? formatRate(bytesSent / seconds) : "-";
  const verb = result.operation === "upload" ? "uploaded" : "copied";
  const parts = partsText(result);
  const resumed = result.partsResumed
    ? ` (${result.partsResumed} resumed, ${result.partsSent} sent: ${formatSize(bytesSent)} in this run)`
    : "";
  const checksum = result.checksum ? `, ${result.checksumAlgorithm} ${result.checksum}` : "";
  const retries = result.retries ? `, ${result.retries} retries` : "";
  // Short lines: the destination and speed, then the parts and checksums, then what was verified.
  return (
    `${verb} ${formatSize(result.size)} to s3://${result.bucket}/${result.key} in ${seconds.toFixed(1)} s (${rate})\n` +
    `${parts}${resumed}${checksum}, etag ${result.etag}${retries}\nverified: ${result.verified.summary}\n` +
    result.notes.map((note) => `note: ${note}\n`).join("")
  );
}

/**
 * How the object was sent, as it really was: the planned part size is only the size of every part but the
 * last, so a single part is described by the object's own size ("1 part of 100 B", never "1 parts of 16 MiB").
 */
export function partsText(result: Pick<TransferResult, "request" | "parts" | "partSize" | "size">): string {
  if (result.request === "single") return "1 request";
  if (result.parts === 1) return `1 part of ${formatSize(result.size)}`;
  return `${result.parts} parts of ${formatSize(result.partSize)}`;
}

/** How a transfer command reports: --json, --quiet, a bar on a terminal, or plain lines. */
export function outputMode(args: { json: boolean; quiet: boolean; progress: boolean }): OutputMode {
  if (args.json) return "json";
  if (args.quiet) return "quiet";
  if (args.progress && process.stderr.isTTY) return "bar";
  return "plain";
}
