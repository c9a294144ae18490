import pLimit from "p-limit";
import { TransferError, type ErrorCode, type TransferLocation } from "../errors.js";
import { isUnreachable, type ErrorInfo } from "../s3/error-class.js";
import type { PartOutcome, PartSuccess, PartTask } from "../workers/tasks.js";
import { backoffDelay, sleep } from "./backoff.js";
import { AdaptiveConcurrency } from "./concurrency.js";
import { explainErrorInfo } from "../s3/error-explain.js";
import { PartProgress } from "./part-progress.js";
import type { RetryPolicy } from "./retry-policy.js";

/** One part to send: its number, its size, and how to build its task (credentials are fetched per attempt). */
export interface PartJob {
  partNumber: number;
  bytes: number;
  task(progress: { counters: SharedArrayBuffer; slot: number }): Promise<PartTask>;
}

export interface PartDone extends PartSuccess {
  attempts: number;
}

/** Runs one part task to its outcome: the worker pool, or a stand-in in tests. */
export interface PartRunner {
  run(task: PartTask, options?: { signal?: AbortSignal }): Promise<PartOutcome>;
}

/** What the engine reports while it runs: a part finished, or a part is retried. */
export type PartEvent =
  | {
      type: "part";
      partNumber: number;
      bytes: number;
      etag: string;
      checksum?: string;
      attempts: number;
      durationMs: number;
    }
  | {
      type: "retry";
      partNumber: number;
      attempt: number;
      delayMs: number;
      code: string;
      message: string;
      throttle: boolean;
      concurrency: number;
    };

export interface RunPartsOptions {
  runner: PartRunner;
  concurrency: AdaptiveConcurrency;
  retry: RetryPolicy;
  location: { bucket: string; key: string; uploadId?: string };
  signal?: AbortSignal;
  emit: (event: PartEvent) => void;
  progress: PartProgress;
  /** Called (in completion order) as each part succeeds: the journal writes here. */
  onPart?: (part: PartDone) => void | Promise<void>;
  /**
   * "Stop and keep" (Ctrl-C with keepForResume): no new part and no retry once it fires; the parts in flight
   * get `stopGraceMs` to finish (and be journaled), then their requests are cancelled, so a part stuck on
   * a server that answers nothing cannot hold the process. The run then throws INTERRUPTED.
   */
  stop?: AbortSignal;
  /** How long parts in flight may still finish after `stop` (default 5 s). */
  stopGraceMs?: number;
  /**
   * Fail the transfer (transient: the upload can be resumed) when, with parts in flight, no byte was sent
   * and no part finished for this long; the requests in flight are cancelled. 0 or undefined: no deadline.
   */
  stallTimeoutMs?: number;
}

/** Parts in flight may finish this long after a stop before their requests are cancelled. */
export const DEFAULT_STOP_GRACE_MS = 5_000;

export interface RunPartsSummary {
  parts: PartDone[];
  retries: number;
  throttles: number;
}

/**
 * Sends parts with bounded, adaptive concurrency and per-part retries. On the first part that cannot be
 * sent it stops scheduling, lets the parts in flight finish, and throws; the caller decides whether to
 * abort the upload or keep it for resume.
 */
export async function runParts(
  jobs: Iterable<PartJob> | AsyncIterable<PartJob>,
  options: RunPartsOptions,
): Promise<RunPartsSummary> {
  const { concurrency, retry, signal, emit, progress, runner, stop: drain } = options;
  // rejectOnClear: a cleared attempt must settle (and so let its part settle), or the final wait never ends.
  const limit = pLimit({ concurrency: concurrency.value, rejectOnClear: true });
  const done: PartDone[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let retries = 0;
  let throttles = 0;
  // A multipart upload exists only if the endpoint answered CreateMultipartUpload.
  let endpointAnswered = options.location.uploadId !== undefined;
  // Ends backoff waits as soon as the transfer has failed, was cancelled or stopped, so no part sleeps on.
  const stop = new AbortController();
  const stopSignal = AbortSignal.any([stop.signal, ...(signal ? [signal] : []), ...(drain ? [drain] : [])]);
  // Cancels the requests in flight: the caller's cancel, a stop's grace period running out, or a stall.
  const cancelRequests = new AbortController();
  const requestSignal = signal ? AbortSignal.any([signal, cancelRequests.signal]) : cancelRequests.signal;
  const failWith = (error: unknown) => {
    failure ??= error;
    limit.clearQueue();
    if (!stop.signal.aborted) stop.abort(failure);
  };
  const interrupted = () =>
    new TransferError("INTERRUPTED", "interrupted", options.location, { exitCode: 130 });

  let graceTimer: NodeJS.Timeout | undefined;
  const onDrain = () => {
    graceTimer = setTimeout(
      () => cancelRequests.abort(interrupted()),
      options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
    );
  };
  if (drain?.aborted) onDrain();
  else drain?.addEventListener("abort", onDrain, { once: true });

  // The no-progress deadline: a part finishing, or more bytes sent than ever before, is progress; nothing
  // in flight is not a stall (a stream source may be slow to give the next part). Only a new high counts:
  // a retry re-sends bytes already counted, and against a frozen server each new attempt still "sends" a
  // few MiB into the kernel's socket buffers, which would otherwise restart the clock after every timeout.
  let stallTimer: NodeJS.Timeout | undefined;
  const stallTimeoutMs = options.stallTimeoutMs ?? 0;
  if (stallTimeoutMs > 0) {
    let highWater = -1;
    let lastParts = -1;
    let lastProgressAt = Date.now();
    stallTimer = setInterval(
      () => {
        const now = Date.now();
        const bytes = progress.bytesDone();
        if (bytes > highWater || progress.partsDone !== lastParts || inFlight.size === 0) {
          highWater = Math.max(highWater, bytes);
          lastParts = progress.partsDone;
          lastProgressAt = now;
          return;
        }
        if (now - lastProgressAt < stallTimeoutMs || failure !== undefined) return;
        const stalled = new TransferError(
          "STALLED",
          `no progress for ${Math.round((now - lastProgressAt) / 1000)} s (no byte sent, no part finished): ` +
            `the server is not answering`,
          options.location,
          { transient: true },
        );
        failWith(stalled);
        cancelRequests.abort(stalled);
      },
      Math.min(1_000, Math.max(10, Math.floor(stallTimeoutMs / 4))),
    );
    stallTimer.unref();
  }

  const fail = (code: ErrorCode, message: string, partNumber: number, cause?: unknown): TransferError =>
    new TransferError(
      code,
      message,
      { ...options.location, partNumber },
      cause === undefined ? undefined : { cause },
    );

  const attemptPart = async (job: PartJob): Promise<PartDone> => {
    for (let attempt = 1; ; attempt++) {
      // Each attempt takes its own slot: a part waiting out its backoff holds none, and a cut in
      // concurrency applies to retries as well as to new parts.
      const outcome = await limit(async () => {
        if (failure !== undefined) throw failure;
        signal?.throwIfAborted();
        if (drain?.aborted) throw interrupted();
        const slot = progress.acquire();
        try {
          const task = await job.task({ counters: progress.counters, slot });
          return await runner.run(task, { signal: requestSignal });
        } finally {
          progress.release(slot);
        }
      });
      if (outcome.ok) {
        endpointAnswered = true;
        concurrency.succeeded();
        limit.concurrency = concurrency.value;
        return { ...outcome, attempts: attempt };
      }
      const error = outcome.error;
      if (outcome.sourceChanged)
        throw fail("SOURCE_CHANGED", sourceChangedMessage(error.message), job.partNumber);
      if (error.throttle) {
        throttles++;
        concurrency.throttled();
        limit.concurrency = concurrency.value;
      }
      // Stopped: a failed attempt is not retried; the part is sent again by resume.
      if (drain?.aborted) throw interrupted();
      const retryable = error.retryable;
      // An endpoint that has never answered is most likely the wrong one: give up after a few tries instead
      // of the full policy (minutes, with connect timeouts), since nothing suggests it will come back.
      const maxAttempts =
        !endpointAnswered && isUnreachable(error)
          ? Math.min(retry.maxAttempts, UNREACHABLE_ATTEMPTS)
          : retry.maxAttempts;
      if (!retryable || attempt >= maxAttempts || retries >= retry.budget) {
        throw partError(error, { ...options.location, partNumber: job.partNumber }, attempt, retryable, {
          budgetSpent: retryable && attempt < maxAttempts,
        });
      }
      retries++;
      const delayMs = backoffDelay(attempt, retry.baseDelayMs, retry.maxDelayMs);
      emit({
        type: "retry",
        partNumber: job.partNumber,
        attempt,
        delayMs,
        code: error.code ?? error.name,
        message: error.message,
        throttle: error.throttle,
        concurrency: concurrency.value,
      });
      await sleep(delayMs, stopSignal).catch(() => {
        throw failure ?? signal?.reason ?? (drain?.aborted ? interrupted() : stop.signal.reason);
      });
    }
  };

  const stopped = () => failure !== undefined || signal?.aborted === true || drain?.aborted === true;
  try {
    for await (const job of jobs) {
      if (stopped()) break;
      // Hold back: no more requests queued than the concurrency allows now, so a stream is read only as fast
      // as it is sent; and never more parts open (sending or waiting to retry) than the maximum, which
      // bounds part buffers and progress slots while parts wait out their backoff.
      while (
        inFlight.size >= concurrency.max ||
        (inFlight.size > 0 && limit.activeCount + limit.pendingCount >= limit.concurrency)
      ) {
        await Promise.race(inFlight);
      }
      if (stopped()) break;
      const running: Promise<void> = attemptPart(job)
        .then(
          async (part) => {
            progress.completedBytes += part.bytes;
            progress.partsDone++;
            done.push(part);
            // A part the journal cannot record (a full disk) stops the transfer like a failed part: the
            // rejection must land here, not escape as an unhandled one.
            await options.onPart?.(part);
            // Announced once recorded: whoever sees a "part" event and then kills the process finds that
            // part in the journal (a download has no server-side record to fall back on).
            emit({
              type: "part",
              partNumber: part.partNumber,
              bytes: part.bytes,
              etag: part.etag,
              ...(part.checksum ? { checksum: part.checksum } : {}),
              attempts: part.attempts,
              durationMs: Math.round(part.durationMs),
            });
          },
          (error: unknown) => failWith(error),
        )
        .catch((error: unknown) => failWith(error));
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
    }
  } catch (error) {
    // The job source itself failed (a stream read error, a stream larger than planned).
    failWith(error);
  }
  try {
    await Promise.all(inFlight);
  } finally {
    clearTimeout(graceTimer);
    clearInterval(stallTimer);
    drain?.removeEventListener("abort", onDrain);
  }
  if (failure !== undefined) throw failure;
  signal?.throwIfAborted();
  done.sort((a, b) => a.partNumber - b.partNumber);
  return { parts: done, retries, throttles };
}

/** Attempts at a part while the endpoint has never answered at all. */
const UNREACHABLE_ATTEMPTS = 4;

/** The worker says what changed; the user also needs to hear what to do about it. */
function sourceChangedMessage(detail: string): string {
  return `${detail}: upload it again once the file has stopped changing`;
}

function partError(
  error: ErrorInfo,
  location: TransferLocation,
  attempts: number,
  retryable: boolean,
  why: { budgetSpent: boolean },
): TransferError {
  const action = !retryable
    ? `part ${location.partNumber}`
    : why.budgetSpent
      ? `part ${location.partNumber} (after ${attempts} attempts; the transfer's retry budget is spent)`
      : `part ${location.partNumber} (after ${attempts} attempts)`;
  return explainErrorInfo(error, location, action);
}
