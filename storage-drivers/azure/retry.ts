/**
 * Retries for Azure calls: the SDK's own retry policy is switched off so that one place decides.
 * Throttling (503 ServerBusy, 500 OperationTimedOut), other server errors and dropped connections
 * are retried with jittered exponential backoff; a client's mistake (any other 4xx) never is.
 * When the retries run out the caller gets StorageUnavailableError, which clients see as 503.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { StorageUnavailableError } from "../errors.js";

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** The first backoff's ceiling; each retry doubles it, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * How long one attempt may wait for the service's answer (its headers: a download's body then
   * streams for as long as it takes). A connection that died silently ends here and is retried.
   */
  attemptTimeoutMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<unknown>;
  random?: () => number;
}

const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Socket-level failures worth another try (Node's codes, and core-rest-pipeline's for a request that never got an answer). */
const RETRIED_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "REQUEST_SEND_ERROR",
]);

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
  if (status !== undefined && status !== 0) return RETRIED_STATUSES.has(status);
  for (let cause: unknown = error, depth = 0; cause && depth < 4; depth++) {
    const code = azureCodeOf(cause);
    if (code && RETRIED_CODES.has(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  // A stream that ended early or a socket closed mid-answer, as Node words it.
  return error instanceof Error && /socket hang up|other side closed|premature close|aborted/i.test(error.message);
}

/** "Full jitter": a uniformly random wait below the exponential ceiling, so retrying clients spread out. */
export function backoffMs(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor((policy.random ?? Math.random)() * ceiling);
}

/**
 * Runs call(attempt, signal) until it succeeds, fails for good, or the retries are spent.
 * `attempt` (0 first) lets a non-idempotent call recognise that an earlier try may have landed;
 * `signal` aborts the attempt when attemptTimeoutMs passes before call() resolves.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  what: string,
  call: (attempt: number, signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const deadline = policy.attemptTimeoutMs ? new AbortController() : undefined;
    const timer = deadline ? setTimeout(() => deadline.abort(), policy.attemptTimeoutMs) : undefined;
    try {
      return await call(attempt, deadline?.signal);
    } catch (error) {
      if (!deadline?.signal.aborted && !isTransient(error)) throw error;
      if (attempt >= policy.maxRetries) {
        const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new StorageUnavailableError(`azure: ${what} failed after ${attempt + 1} attempts: ${reason}`, "azure", { cause: error });
      }
      await (policy.sleep ?? sleep)(backoffMs(policy, attempt));
    } finally {
      clearTimeout(timer);
    }
  }
}
