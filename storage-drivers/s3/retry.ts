/**
 * Reads the SDK's S3 errors for the shared retry loop (../retry.ts): throttling (503 SlowDown),
 * server errors (500 InternalError), S3's 400 RequestTimeout (the connection idled mid-upload),
 * timeouts and dropped connections are transient; any other 4xx is the caller's mistake.
 * The SDK's own retries are switched off so that one place decides.
 */
import { isConnectionError, isTransientStatus, withRetries as retrying, type RetryPolicy } from "../retry.js";

export type { RetryPolicy };

/** Codes AWS documents as worth retrying whatever status they come with. */
const TRANSIENT_CODES = new Set([
  "SlowDown",
  "ServiceUnavailable",
  "InternalError",
  "RequestTimeout",
  "RequestTimeoutException",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "TimeoutError",
]);

/** The HTTP status the service answered with, if it answered. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

/** S3's error code ("NoSuchKey", "SlowDown", ...): the SDK names its exceptions after it. */
export function s3CodeOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { Code?: unknown }).Code;
  return typeof code === "string" ? code : error.name;
}

/** The object (or upload) is not there; a missing bucket is a configuration problem, not a missing file. */
export function isNotFound(error: unknown): boolean {
  const code = s3CodeOf(error);
  if (code === "NoSuchBucket") return false;
  return statusOf(error) === 404 || code === "NoSuchKey" || code === "NotFound";
}

/** Whether another attempt may succeed where this one failed. */
export function isTransient(error: unknown): boolean {
  const code = s3CodeOf(error);
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  const status = statusOf(error);
  if (status !== undefined && status !== 0) return isTransientStatus(status);
  return isConnectionError(error);
}

/** Runs call(attempt, signal) with S3's notion of transient failures (see ../retry.ts). */
export function withRetries<T>(policy: RetryPolicy, what: string, call: (attempt: number, signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  return retrying(policy, { driver: "s3", what, isTransient }, call);
}
