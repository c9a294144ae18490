// The retry machinery on its own: how errors are classified, backoff, AIMD, and how runParts schedules
// retries (through the concurrency limit, cut short when the transfer fails, few for a dead endpoint).
import { describe, expect, it, vi } from "vitest";
import { classifyError, type ErrorInfo } from "../../src/s3/error-class.js";
import { backoffDelay } from "../../src/engine/backoff.js";
import { AdaptiveConcurrency } from "../../src/engine/concurrency.js";
import { resolveRetry } from "../../src/engine/retry-policy.js";
import { PartProgress } from "../../src/engine/part-progress.js";
import { runParts, type PartJob } from "../../src/engine/run-parts.js";
import { explainErrorInfo, explainS3Error } from "../../src/s3/error-explain.js";
import type { TransferEventData } from "../../src/transfer/events.js";
import type { PartPool } from "../../src/workers/pool.js";
import type { PartOutcome, PartTask } from "../../src/workers/tasks.js";

/** An error shaped like the SDK's service errors: the S3 code as name, $metadata with the status. */
function serviceError(name: string, status: number, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${name} message`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: "r", attempts: 1 },
    ...extra,
  });
}

function systemError(code: string, message = `connect ${code}`) {
  return Object.assign(new Error(message), { code });
}

describe("classifyError", () => {
  const timeout = Object.assign(new Error("socket timed out"), { name: "TimeoutError" });
  const truncated = Object.assign(new Error("aborted"), { code: "ECONNRESET" });
  const cancelled = Object.assign(new Error("The operation was aborted"), { name: "AbortError" });
  const cases: [string, unknown, { retryable: boolean; throttle: boolean }][] = [
    ["503 SlowDown", serviceError("SlowDown", 503), { retryable: true, throttle: true }],
    ["429", serviceError("TooManyRequests", 429), { retryable: true, throttle: true }],
    ["500 InternalError", serviceError("InternalError", 500), { retryable: true, throttle: false }],
    ["RequestTimeout (400)", serviceError("RequestTimeout", 400), { retryable: true, throttle: false }],
    ["ECONNRESET", systemError("ECONNRESET", "socket hang up"), { retryable: true, throttle: false }],
    ["ECONNREFUSED", systemError("ECONNREFUSED"), { retryable: true, throttle: false }],
    ["EPIPE", systemError("EPIPE"), { retryable: true, throttle: false }],
    ["socket idle timeout", timeout, { retryable: true, throttle: false }],
    ["truncated response", truncated, { retryable: true, throttle: false }],
    ["400 InvalidArgument", serviceError("InvalidArgument", 400), { retryable: false, throttle: false }],
    ["400 EntityTooSmall", serviceError("EntityTooSmall", 400), { retryable: false, throttle: false }],
    ["400 InvalidPart", serviceError("InvalidPart", 400), { retryable: false, throttle: false }],
    ["403 AccessDenied", serviceError("AccessDenied", 403), { retryable: false, throttle: false }],
    ["404 NoSuchBucket", serviceError("NoSuchBucket", 404), { retryable: false, throttle: false }],
    ["404 NoSuchKey", serviceError("NoSuchKey", 404), { retryable: false, throttle: false }],
    ["404 NoSuchUpload", serviceError("NoSuchUpload", 404), { retryable: false, throttle: false }],
    [
      "412 PreconditionFailed",
      serviceError("PreconditionFailed", 412),
      { retryable: false, throttle: false },
    ],
    ["cancelled", cancelled, { retryable: false, throttle: false }],
  ];
  it.each(cases)("%s", (_name, error, expected) => {
    const info = classifyError(error);
    expect({ retryable: info.retryable, throttle: info.throttle }).toEqual(expected);
  });

  it("keeps the system code of a network error the SDK decorated with $metadata after its retries", () => {
    const error = Object.assign(systemError("ECONNREFUSED"), {
      $metadata: { attempts: 5, totalRetryDelay: 900 },
    });
    const info = classifyError(error);
    expect(info.code).toBe("ECONNREFUSED");
    expect(explainErrorInfo(info, { bucket: "b", key: "k" }, "the upload").message).toMatch(
      /cannot reach the S3 endpoint \(ECONNREFUSED\)/,
    );
  });
});

describe("explaining errors", () => {
  const where = { bucket: "b", key: "k" };

  it("a 403 without a code (a refused HEAD) names both possible causes", () => {
    const info = classifyError(serviceError("Unknown", 403));
    expect(explainErrorInfo(info, where, "reading the source").message).toMatch(
      /refused \(HTTP 403\): the credentials are not valid for this endpoint or may not do this; check AWS_ACCESS_KEY_ID/,
    );
  });

  it("missing credentials say where credentials come from", () => {
    const error = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    expect(explainS3Error(error, where, "the upload").message).toMatch(
      /no AWS credentials were found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --profile/,
    );
  });

  it("the cause keeps the SDK error's class and fields but not the request behind its response", () => {
    const request = { _header: "authorization: AWS4-HMAC-SHA256 Credential=x, Signature=abc" };
    const error = serviceError("InternalError", 500);
    // As the SDK does it: non-enumerable and read-only.
    Object.defineProperty(error, "$response", {
      value: { statusCode: 500, headers: { "x-amz-request-id": "r" }, body: { req: request } },
      enumerable: false,
      writable: false,
      configurable: false,
    });
    const cause = explainS3Error(error, where, "the upload").cause as typeof error & {
      $response: { statusCode: number; body?: unknown };
    };
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe("InternalError");
    expect(cause.$metadata.httpStatusCode).toBe(500);
    expect(cause.stack).toBe(error.stack);
    expect(cause.$response.statusCode).toBe(500);
    expect(cause.$response.body).toBeUndefined();
  });
});

describe("backoff and AIMD", () => {
  it("full jitter: a random wait below min(cap, base·2^(attempt-1))", () => {
    expect(backoffDelay(1, 200, 20_000, () => 0.999)).toBe(199);
    expect(backoffDelay(4, 200, 20_000, () => 0.5)).toBe(800);
    expect(backoffDelay(20, 200, 20_000, () => 0.999)).toBe(19_980);
    expect(backoffDelay(3, 200, 20_000, () => 0)).toBe(0);
  });

  it("halves at most once a second, never below 1, and grows back by one per 4 successes", () => {
    let now = 0;
    const c = new AdaptiveConcurrency(8, 4, () => now);
    now = 5_000;
    c.throttled();
    c.throttled();
    expect(c.value).toBe(4);
    now += 1_000;
    c.throttled();
    now += 1_000;
    c.throttled();
    now += 1_000;
    c.throttled();
    expect(c.value).toBe(1);
    for (let i = 0; i < 4 * 7; i++) c.succeeded();
    expect(c.value).toBe(8);
    c.succeeded();
    expect(c.value).toBe(8);
  });

  it("refuses a retry policy that cannot work", () => {
    expect(() => resolveRetry({ maxAttempts: 0 })).toThrow(
      /max attempts must be a whole number from 1 to 100, got 0/,
    );
    expect(() => resolveRetry({ budget: -1 })).toThrow(/retry budget/);
    expect(() => resolveRetry({ baseDelayMs: 100, maxDelayMs: 10 })).toThrow(/baseDelayMs ≤ maxDelayMs/);
    expect(resolveRetry(undefined)).toMatchObject({ maxAttempts: 8 });
  });
});

describe("runParts retries", () => {
  const failure = (partNumber: number, error: Partial<ErrorInfo>): PartOutcome => ({
    ok: false,
    partNumber,
    error: { name: "E", message: "m", retryable: true, throttle: false, ...error },
  });
  const success = (partNumber: number): PartOutcome => ({
    ok: true,
    partNumber,
    etag: `"e${partNumber}"`,
    bytes: 10,
    durationMs: 1,
  });
  const jobs = (count: number): PartJob[] =>
    Array.from({ length: count }, (_, i) => ({
      partNumber: i + 1,
      bytes: 10,
      task: async () => ({ partNumber: i + 1 }) as unknown as PartTask,
    }));
  const pool = (run: (partNumber: number, call: number) => Promise<PartOutcome>) => {
    let calls = 0;
    return {
      run: (task: PartTask) => run((task as unknown as { partNumber: number }).partNumber, ++calls),
    } as unknown as PartPool;
  };
  const setup = (
    p: PartPool,
    max: number,
    retry: Record<string, number> = {},
    uploadId: string | null = "u",
  ) => {
    const events: TransferEventData[] = [];
    return {
      events,
      options: {
        runner: p,
        concurrency: new AdaptiveConcurrency(max),
        retry: { maxAttempts: 8, budget: 100, baseDelayMs: 1, maxDelayMs: 5, ...retry },
        location: { bucket: "b", key: "k", ...(uploadId ? { uploadId } : {}) },
        emit: (e: TransferEventData) => events.push(e),
        progress: new PartProgress(max),
      },
    };
  };

  it("retries go through the concurrency limit: after a cut, no more attempts at once than allowed", async () => {
    let inFlight = 0;
    let calls = 0;
    // The server throttles the first 60 attempts, then recovers: counted, not timed, so load cannot change it.
    let throttling = true;
    const peaks: { allowed: number; inFlight: number }[] = [];
    const { options } = setup(
      pool(async (partNumber) => {
        inFlight++;
        if (++calls > 60) throttling = false;
        peaks.push({ allowed: options.concurrency.value, inFlight });
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return throttling
          ? failure(partNumber, { code: "SlowDown", httpStatus: 503, throttle: true })
          : success(partNumber);
      }),
      8,
      { maxAttempts: 50, budget: 10_000, baseDelayMs: 1, maxDelayMs: 3 },
    );
    const summary = await runParts(jobs(16), options);
    expect(summary.parts).toHaveLength(16);
    expect(summary.throttles).toBeGreaterThan(0);
    // The first cut comes at once; from then on every attempt started within what the limit allowed.
    const afterCut = peaks.slice(peaks.findIndex((p) => p.allowed < 8) + 8);
    expect(afterCut.length).toBeGreaterThan(10);
    for (const p of afterCut) expect(p.inFlight).toBeLessThanOrEqual(p.allowed);
  });

  it("a part that fails for good ends the backoff waits of the others at once", async () => {
    // Fake time: the others back off for 10 s each; the failure must end the run without that time passing.
    vi.useFakeTimers();
    const { options } = setup(
      pool(async (partNumber) => {
        await new Promise((r) => setTimeout(r, 5));
        if (partNumber === 1) return failure(1, { code: "AccessDenied", httpStatus: 403, retryable: false });
        return failure(partNumber, { code: "InternalError", httpStatus: 500 });
      }),
      4,
      { baseDelayMs: 10_000, maxDelayMs: 10_000 },
    );
    let settled = false;
    const run = runParts(jobs(4), options).finally(() => (settled = true));
    run.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    vi.useRealTimers();
    expect(settled).toBe(true);
    await expect(run).rejects.toThrow(/part 1/);
  });

  it("an endpoint that never answered gets a few attempts, not the whole policy", async () => {
    let calls = 0;
    const { options } = setup(
      pool(async (partNumber) => {
        calls++;
        return failure(partNumber, { code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:1" });
      }),
      1,
      {},
      null,
    );
    await expect(runParts(jobs(1), options)).rejects.toThrow(
      /part 1 \(after 4 attempts\).*cannot reach the S3 endpoint/,
    );
    expect(calls).toBe(4);
  });

  it("once the endpoint has answered (an upload exists), the whole policy applies", async () => {
    let calls = 0;
    const { options } = setup(
      pool(async (partNumber) => {
        calls++;
        return failure(partNumber, { code: "ECONNREFUSED", message: "connect ECONNREFUSED" });
      }),
      1,
      { maxAttempts: 6 },
    );
    await expect(runParts(jobs(1), options)).rejects.toThrow(/after 6 attempts/);
    expect(calls).toBe(6);
  });

  it("the retry budget bounds retries across the transfer and says so", async () => {
    const { options, events } = setup(
      pool(async (partNumber) => failure(partNumber, { code: "InternalError", httpStatus: 500 })),
      4,
      { budget: 5 },
    );
    await expect(runParts(jobs(10), options)).rejects.toThrow(/retry budget is spent/);
    expect(events.filter((e) => e.type === "retry")).toHaveLength(5);
  });
});
