/**
 * When and how long every object-store driver retries: transient failures only (throttling,
 * server errors, dropped connections), never a client's mistake (any other 4xx), with full-jitter
 * exponential backoff so that many waiting requests do not return in lockstep. When the retries
 * run out the caller gets StorageUnavailableError, which clients see as 503 UNAVAILABLE.
 * Each driver says how to read its own errors (an SDK's error shape, a raw status) and uses the rest.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { StorageUnavailableError } from "./errors.js";

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** The first retry waits up to this long; each further one doubles the ceiling. */
  baseDelayMs: number;
  /** No single wait is longer than this, Retry-After included. */
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

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 5_000 };

/** Timeouts, throttling (429, Swift's ratelimit 498) and server errors; 501 Not Implemented is final. */
const TRANSIENT_STATUSES = new Set([408, 429, 498, 500, 502, 503, 504]);

/** Failures of the connection itself (Node's codes, undici's, and core-rest-pipeline's for a request that got no answer). */
const CONNECTION_CODES = new Set([
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
  "ERR_STREAM_PREMATURE_CLOSE",
  "REQUEST_SEND_ERROR",
]);

/** How Node words a socket closed mid-answer or a stream that ended early. */
const CONNECTION_MESSAGES = /socket hang up|other side closed|premature close|aborted/i;

export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status);
}

/** Whether the error (or one it wraps) is a broken, refused or silent connection. */
export function isConnectionError(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 4; depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
    if (CONNECTION_MESSAGES.test(cause.message)) return true;
    cause = cause.cause;
  }
  return false;
}

/**
 * How long to wait before retry number `retry` (1-based): a uniformly random time below
 * base·2^(retry-1), capped; a server's Retry-After (seconds) raises the floor, still capped.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, retryAfterSeconds?: number, random: () => number = policy.random ?? Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = random() * ceiling;
  const floor = retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : 0;
  return Math.min(policy.maxDelayMs, Math.max(jittered, floor));
}

/** Retry-After as seconds, when it is given in seconds (the form object stores and proxies use). */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

export interface RetryTarget {
  /** The driver's name, for StorageUnavailableError. */
  driver: string;
  /** The operation, for messages: "read /a/b". */
  what: string;
  /** Whether another attempt may succeed where this one failed. */
  isTransient: (error: unknown) => boolean;
  /** A wait the service asked for (Retry-After), in seconds. */
  retryAfter?: (error: unknown) => number | undefined;
}

/**
 * Runs call(attempt, signal) until it succeeds, fails for good, or the retries are spent.
 * `attempt` (0 first) lets a non-idempotent call recognise that an earlier try may have landed;
 * `signal` aborts the attempt when attemptTimeoutMs passes before call() resolves.
 */
export async function withRetries<T>(policy: RetryPolicy, target: RetryTarget, call: (attempt: number, signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const deadline = policy.attemptTimeoutMs ? new AbortController() : undefined;
    const timer = deadline ? setTimeout(() => deadline.abort(), policy.attemptTimeoutMs) : undefined;
    try {
      return await call(attempt, deadline?.signal);
    } catch (error) {
      if (!deadline?.signal.aborted && !target.isTransient(error)) throw error;
      if (attempt >= policy.maxRetries) {
        const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new StorageUnavailableError(`${target.driver}: ${target.what} failed after ${attempt + 1} attempts: ${reason}`, target.driver, { cause: error });
      }
      await (policy.sleep ?? sleep)(Math.floor(backoffDelay(policy, attempt + 1, target.retryAfter?.(error))));
    } finally {
      clearTimeout(timer);
    }
  }
}
