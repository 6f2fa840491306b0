import { describe, expect, it } from "vitest";
import { StorageUnavailableError } from "./errors.js";
import { backoffDelay, isConnectionError, isTransientStatus, parseRetryAfter, withRetries, type RetryPolicy } from "./retry.js";

const transient = Object.assign(new Error("answered 503"), { transient: true });
const isTransient = (error: unknown) => (error as { transient?: boolean }).transient === true;

function policy(maxRetries: number, delays: number[] = []): RetryPolicy {
  return { maxRetries, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999, sleep: async (ms) => void delays.push(ms) };
}

function errorWithCode(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe("shared retry policy", () => {
  it("retries throttling and server failures, never a client's mistake", () => {
    for (const status of [408, 429, 498, 500, 502, 503, 504]) expect(isTransientStatus(status), String(status)).toBe(true);
    for (const status of [200, 201, 204, 400, 401, 403, 404, 409, 411, 412, 413, 416, 422, 501]) expect(isTransientStatus(status), String(status)).toBe(false);
  });

  it("recognises broken connections, also when wrapped, and not programming errors", () => {
    for (const code of ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "UND_ERR_SOCKET", "REQUEST_SEND_ERROR"]) {
      expect(isConnectionError(errorWithCode(code)), code).toBe(true);
    }
    expect(isConnectionError(new Error("socket hang up"))).toBe(true);
    expect(isConnectionError(new Error("aborted"))).toBe(true);
    expect(isConnectionError(new Error("wrapped", { cause: errorWithCode("ECONNRESET") }))).toBe(true);
    expect(isConnectionError(new TypeError("x is not a function"))).toBe(false);
    expect(isConnectionError(errorWithCode("ENOENT"))).toBe(false);
    expect(isConnectionError("ECONNRESET")).toBe(false);
  });

  it("waits a random time up to an exponentially growing, capped ceiling (full jitter)", () => {
    const p = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 2_000 };
    expect(backoffDelay(p, 1, undefined, () => 0.999)).toBeCloseTo(99.9);
    expect(backoffDelay(p, 3, undefined, () => 0.5)).toBe(200);
    expect(backoffDelay(p, 10, undefined, () => 1)).toBe(2_000);
    expect(backoffDelay(p, 2, undefined, () => 0)).toBe(0);
    expect(backoffDelay({ ...p, random: () => 0.5 }, 2)).toBe(100);
    const samples = Array.from({ length: 200 }, () => backoffDelay(p, 4));
    expect(Math.max(...samples)).toBeLessThanOrEqual(800);
    expect(new Set(samples).size).toBeGreaterThan(150);
  });

  it("honours Retry-After in seconds as a floor, within the cap", () => {
    const p = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 2_000 };
    expect(backoffDelay(p, 1, 1, () => 0)).toBe(1_000);
    expect(backoffDelay(p, 1, 60, () => 0)).toBe(2_000);
    expect(parseRetryAfter("3")).toBe(3);
    expect(parseRetryAfter(" 0 ")).toBe(0);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("succeeds after transient failures, passing each attempt number and waiting whole milliseconds", async () => {
    const delays: number[] = [];
    const attempts: number[] = [];
    const result = await withRetries(policy(3, delays), { driver: "test", what: "put /x", isTransient }, async (attempt) => {
      attempts.push(attempt);
      if (attempt < 2) throw transient;
      return "done";
    });
    expect(result).toBe("done");
    expect(attempts).toEqual([0, 1, 2]);
    expect(delays).toEqual([99, 199]);
  });

  it("waits at least what the service asked for", async () => {
    const delays: number[] = [];
    await withRetries(policy(1, delays), { driver: "test", what: "put /x", isTransient, retryAfter: () => 0.5 }, async (attempt) => {
      if (attempt === 0) throw transient;
    });
    expect(delays).toEqual([500]);
  });

  it("ends in StorageUnavailableError naming the driver when the retries run out", async () => {
    let calls = 0;
    const failing = withRetries(policy(2), { driver: "test", what: "put /x", isTransient }, async () => {
      calls++;
      throw transient;
    });
    await expect(failing).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(failing).rejects.toThrow("test: put /x failed after 3 attempts: answered 503");
    expect(calls).toBe(3);
  });

  it("aborts an attempt that gets no answer in time, and retries it", async () => {
    const attempts: number[] = [];
    const result = await withRetries({ ...policy(2), attemptTimeoutMs: 50 }, { driver: "test", what: "get /x", isTransient: () => false }, (attempt, signal) => {
      attempts.push(attempt);
      if (attempt > 0) return Promise.resolve("answered");
      // Never answers by itself; only the deadline ends it, the way SDKs report an abort.
      return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(Object.assign(new Error("The operation was aborted."), { name: "AbortError" }))));
    });
    expect(result).toBe("answered");
    expect(attempts).toEqual([0, 1]);
  });

  it("passes a client's mistake straight through", async () => {
    let calls = 0;
    const mistake = new Error("forbidden");
    await expect(
      withRetries(policy(5), { driver: "test", what: "put /x", isTransient }, async () => {
        calls++;
        throw mistake;
      }),
    ).rejects.toBe(mistake);
    expect(calls).toBe(1);
  });
});
