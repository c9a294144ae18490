import pLimit from "p-limit";
import { TransferError, type ErrorCode, type TransferLocation } from "../errors.js";
import type { ErrorInfo } from "../s3/error-class.js";
import type { PartPool } from "../workers/pool.js";
import type { PartSuccess, PartTask } from "../workers/tasks.js";
import { backoffDelay, sleep } from "./backoff.js";
import { AdaptiveConcurrency } from "./concurrency.js";
import { explainErrorInfo } from "./s3-errors.js";
import type { TransferEventData } from "./events.js";

/** One part to send: its number, its size, and how to build its task (credentials are fetched per attempt). */
export interface PartJob {
  partNumber: number;
  bytes: number;
  task(progress: { counters: SharedArrayBuffer; slot: number }): Promise<PartTask>;
}

export interface RetryPolicy {
  /** Attempts per part, first included. */
  maxAttempts: number;
  /** Retries allowed across the whole transfer, so a dead endpoint fails in bounded time. */
  budget: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  budget: 200,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
};

export interface PartDone extends PartSuccess {
  attempts: number;
}

export interface RunPartsOptions {
  pool: PartPool;
  concurrency: AdaptiveConcurrency;
  retry: RetryPolicy;
  location: { bucket: string; key: string; uploadId?: string };
  signal?: AbortSignal;
  emit: (event: TransferEventData) => void;
  progress: PartProgress;
  /** Called (in completion order) as each part succeeds: the journal writes here. */
  onPart?: (part: PartDone) => void | Promise<void>;
}

/**
 * Live byte counts: each part in flight owns a slot in a shared array that its worker updates as the HTTP
 * body is consumed, so progress moves within a 5 GiB part without any message between threads.
 */
export class PartProgress {
  readonly counters: SharedArrayBuffer;
  private readonly view: BigInt64Array;
  private readonly free: number[];
  completedBytes = 0;
  partsDone = 0;

  constructor(slots: number) {
    this.counters = new SharedArrayBuffer(8 * slots);
    this.view = new BigInt64Array(this.counters);
    this.free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  acquire(): number {
    const slot = this.free.pop();
    if (slot === undefined) throw new Error("more parts in flight than progress slots");
    Atomics.store(this.view, slot, 0n);
    return slot;
  }

  release(slot: number): void {
    Atomics.store(this.view, slot, 0n);
    this.free.push(slot);
  }

  /** Bytes of finished parts plus what parts in flight have sent so far. */
  bytesDone(): number {
    let inFlight = 0;
    for (let i = 0; i < this.view.length; i++) inFlight += Number(Atomics.load(this.view, i));
    return this.completedBytes + inFlight;
  }
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
  const { concurrency, retry, signal, emit, progress, pool } = options;
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
          return await pool.run(task, signal ? { signal } : {});
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

/** Connection-level failures: nothing was heard from the endpoint at all. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const UNREACHABLE_ATTEMPTS = 4;

function isUnreachable(error: ErrorInfo): boolean {
  if (error.httpStatus !== undefined) return false;
  // The SDK's connect timeout carries no system code, only its message.
  return UNREACHABLE_CODES.has(error.code ?? "") || /without establishing a connection/i.test(error.message);
}

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
