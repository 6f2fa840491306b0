/**
 * Retries for Azure calls: the SDK's own retry policy is switched off so that one place decides
 * (../retry.ts, shared by every object-store driver). This file reads Azure's errors: throttling
 * (503 ServerBusy, 500 OperationTimedOut), other server errors and dropped connections are
 * transient; a client's mistake (any other 4xx) never is.
 */
import { isConnectionError, isTransientStatus, withRetries as retrying, type RetryPolicy } from "../retry.js";

export type { RetryPolicy };

/** The HTTP status of an SDK error (RestError), if the service answered. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Azure's error code ("BlobNotFound", "AppendPositionConditionNotMet", ...), when the answer carried one. */
export function azureCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Whether another attempt may succeed where this one failed. */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined && status !== 0) return isTransientStatus(status);
  return isConnectionError(error);
}

/** Runs call(attempt, signal) with Azure's notion of transient failures (see ../retry.ts). */
export function withRetries<T>(policy: RetryPolicy, what: string, call: (attempt: number, signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  return retrying(policy, { driver: "azure", what, isTransient }, call);
}
