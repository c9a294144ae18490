/**
 * How an S3 or network failure should be treated. Plain data, so a worker can classify the error it caught
 * (it has the SDK's error object) and send the verdict across the thread boundary.
 */
export interface ErrorInfo {
  name: string;
  message: string;
  /** S3's error code (SlowDown, NoSuchUpload, …) or a Node system code (ECONNRESET, …). */
  code?: string;
  httpStatus?: number;
  retryable: boolean;
  /** The server asked us to slow down: cut concurrency as well as retrying. */
  throttle: boolean;
}

const RETRYABLE_CODES = new Set([
  "SlowDown",
  "RequestTimeout",
  "RequestTimeTooSkewed",
  "InternalError",
  "ServiceUnavailable",
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
  "TimeoutError",
  "RequestTimeoutException",
  "NetworkingError",
]);

const THROTTLE_CODES = new Set(["SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded"]);

interface SdkLikeError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  $retryable?: { throttling?: boolean };
  cause?: unknown;
}

export function classifyError(error: unknown): ErrorInfo {
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkLikeError;
  const name = e.name ?? "Error";
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const systemCode = e.code ?? (e.cause as SdkLikeError | undefined)?.code;
  // S3 service errors (an HTTP answer) carry their code as the name; network errors carry a Node system code,
  // even when the SDK has added $metadata (attempts, retry delay) after retrying them.
  const code = e.Code ?? (status !== undefined ? name : undefined) ?? systemCode ?? name;
  const info: ErrorInfo = {
    name,
    message: e.message || String(error),
    code,
    retryable: false,
    throttle: false,
  };
  if (status !== undefined) info.httpStatus = status;
  const codes = [code, name, systemCode].filter((c): c is string => !!c);
  info.throttle =
    status === 429 ||
    status === 503 ||
    codes.some((c) => THROTTLE_CODES.has(c)) ||
    !!e.$retryable?.throttling;
  info.retryable =
    info.throttle ||
    (status !== undefined && status >= 500) ||
    codes.some((c) => RETRYABLE_CODES.has(c)) ||
    // No HTTP status at all: the request never got an answer (socket died, stream cut short).
    (status === undefined &&
      /socket|network|connect|timed? ?out|aborted|premature|hang up|EPIPE/i.test(info.message) &&
      name !== "AbortError");
  return info;
}

/** Connection-level failures: nothing was heard from the endpoint at all. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** The endpoint never answered: refused, unknown host, no route, or the SDK's connect timeout. */
export function isUnreachable(error: ErrorInfo): boolean {
  if (error.httpStatus !== undefined) return false;
  // The SDK's connect timeout carries no system code, only its message.
  return (
    UNREACHABLE_CODES.has(error.code ?? "") ||
    /without establishing a connection|ETIMEDOUT|TimeoutError/i.test(`${error.code ?? ""} ${error.message}`)
  );
}
