import { describe, expect, it } from "vitest";
import { backoffDelay, isRetryableError, isRetryableStatus, parseRetryAfter} from "./retry.js";

const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

function errorWithCode(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe("Swift retry policy", () => {
  it("retries throttling and server failures, never a client's mistake", () => {
    for (const status of [429, 498, 500, 502, 503, 504]) expect(isRetryableStatus(status), String(status)).toBe(true);
    for (const status of [200, 201, 204, 400, 401, 403, 404, 409, 411, 412, 413, 416, 422, 501]) expect(isRetryableStatus(status), String(status)).toBe(false);
  });

  it("retries connection failures, not programming errors", () => {
    for (const code of ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]) expect(isRetryableError(errorWithCode(code)), code).toBe(true);
    expect(isRetryableError(new Error("socket hang up"))).toBe(true);
    expect(isRetryableError(new Error("aborted"))).toBe(true);
    expect(isRetryableError(new TypeError("x is not a function"))).toBe(false);
    expect(isRetryableError(errorWithCode("ENOENT"))).toBe(false);
    expect(isRetryableError("ECONNRESET")).toBe(false);
  });

  it("waits a random time up to an exponentially growing, capped ceiling (full jitter)", () => {
    expect(backoffDelay(policy, 1, undefined, () => 0.999)).toBeCloseTo(99.9);
    expect(backoffDelay(policy, 3, undefined, () => 0.5)).toBe(200);
    expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(2_000);
    expect(backoffDelay(policy, 2, undefined, () => 0)).toBe(0);
    const samples = Array.from({ length: 200 }, () => backoffDelay(policy, 4));
    expect(Math.max(...samples)).toBeLessThanOrEqual(800);
    expect(new Set(samples).size).toBeGreaterThan(150);
  });

  it("honours Retry-After in seconds as a floor, within the cap", () => {
    expect(backoffDelay(policy, 1, 1, () => 0)).toBe(1_000);
    expect(backoffDelay(policy, 1, 60, () => 0)).toBe(2_000);
    expect(parseRetryAfter("3")).toBe(3);
    expect(parseRetryAfter(" 0 ")).toBe(0);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
