export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** S3's multipart limits. Tests lower `minPartSize` together with the server's own setting. */
export interface S3Limits {
  /** Smallest part except the last. */
  minPartSize: number;
  maxPartSize: number;
  maxParts: number;
  /** Largest object PutObject or CopyObject can write in one request. */
  maxSingleRequestSize: number;
  maxObjectSize: number;
}

export const S3_LIMITS: Readonly<S3Limits> = Object.freeze({
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxParts: 10_000,
  maxSingleRequestSize: 5 * GiB,
  // 48.8 TiB: exactly 10,000 parts of 5 GiB.
  maxObjectSize: 10_000 * 5 * GiB,
});

export function resolveLimits(overrides?: Partial<S3Limits>): S3Limits {
  return { ...S3_LIMITS, ...overrides };
}
