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
}

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
  const { concurrency, retry, signal, emit, progress, runner } = options;
  // rejectOnClear: a cleared attempt must settle (and so let its part settle), or the final wait never ends.
  const limit = pLimit({ concurrency: concurrency.value, rejectOnClear: true });
  const done: PartDone[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let retries = 0;
  let throttles = 0;
  // A multipart upload exists only if the endpoint answered CreateMultipartUpload.
  let endpointAnswered = options.location.uploadId !== undefined;
  // Ends backoff waits as soon as the transfer has failed or was cancelled, so no part sleeps on after that.
  const stop = new AbortController();
  const stopSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const failWith = (error: unknown) => {
    failure ??= error;
    limit.clearQueue();
    if (!stop.signal.aborted) stop.abort(failure);
  };

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
        const slot = progress.acquire();
        try {
          const task = await job.task({ counters: progress.counters, slot });
          return await runner.run(task, signal ? { signal } : {});
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
        throw failure ?? signal?.reason ?? stop.signal.reason;
      });
    }
  };

  try {
    for await (const job of jobs) {
      if (failure !== undefined || signal?.aborted) break;
      // Hold back: no more requests queued than the concurrency allows now, so a stream is read only as fast
      // as it is sent; and never more parts open (sending or waiting to retry) than the maximum, which
      // bounds part buffers and progress slots while parts wait out their backoff.
      while (
        inFlight.size >= concurrency.max ||
        (inFlight.size > 0 && limit.activeCount + limit.pendingCount >= limit.concurrency)
      ) {
        await Promise.race(inFlight);
      }
      if (failure !== undefined || signal?.aborted) break;
      const running: Promise<void> = attemptPart(job).then(
        async (part) => {
          progress.completedBytes += part.bytes;
          progress.partsDone++;
          done.push(part);
          emit({
            type: "part",
            partNumber: part.partNumber,
            bytes: part.bytes,
            etag: part.etag,
            ...(part.checksum ? { checksum: part.checksum } : {}),
            attempts: part.attempts,
            durationMs: Math.round(part.durationMs),
          });
          await options.onPart?.(part);
        },
        (error: unknown) => failWith(error),
      );
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
    }
  } catch (error) {
    // The job source itself failed (a stream read error, a stream larger than planned).
    failWith(error);
  }
  await Promise.all(inFlight);
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
