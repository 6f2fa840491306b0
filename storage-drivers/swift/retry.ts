/**
 * When and how long to retry a Swift request: transient failures only (connection errors,
 * 5xx, 429 and Swift's ratelimit 498), never a client's mistake (other 4xx), with exponential
 * backoff and full jitter so that many waiting requests do not return in lockstep.
 */

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** The first retry waits up to this long; each further one doubles it. */
  baseDelayMs: number;
  /** No single wait is longer than this, Retry-After included. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 5_000 };

/** 498 is what Swift's ratelimit middleware answers; 429 and 5xx are throttling and outages. */
const RETRYABLE_STATUSES = new Set([429, 498, 500, 502, 503, 504]);

/** Errors of the connection itself (refused, reset, timed out), not of the request. */
const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

export function isRetryableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
  return /socket hang up|aborted/i.test(error.message);
}

/**
 * How long to wait before retry number `retry` (1-based): a uniformly random time up to
 * base·2^(retry-1), capped; a server's Retry-After (seconds) raises the floor, still capped.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = random() * ceiling;
  const floor = retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : 0;
  return Math.min(policy.maxDelayMs, Math.max(jittered, floor));
}

/** Retry-After as seconds, when it is given in seconds (the form Swift and proxies use). */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
