import { UsageError } from "../errors.js";

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

const MAX_ATTEMPTS = 100;

/** The retry policy with its defaults; a policy that cannot work (0 attempts, a negative budget) is refused. */
export function resolveRetry(retry: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...retry };
  const wholeIn = (value: number, min: number, max: number) =>
    Number.isInteger(value) && value >= min && value <= max;
  if (!wholeIn(policy.maxAttempts, 1, MAX_ATTEMPTS)) {
    throw new UsageError(
      "USAGE",
      `max attempts must be a whole number from 1 to ${MAX_ATTEMPTS}, got ${policy.maxAttempts}: the default is ${DEFAULT_RETRY_POLICY.maxAttempts}`,
    );
  }
  if (!wholeIn(policy.budget, 0, Number.MAX_SAFE_INTEGER)) {
    throw new UsageError(
      "USAGE",
      `the retry budget must be a whole number of retries, 0 or more, got ${policy.budget}`,
    );
  }
  if (!(policy.baseDelayMs >= 0) || !(policy.maxDelayMs >= policy.baseDelayMs)) {
    throw new UsageError(
      "USAGE",
      `retry delays must be 0 ≤ baseDelayMs ≤ maxDelayMs, got ${policy.baseDelayMs} and ${policy.maxDelayMs}`,
    );
  }
  return policy;
}
