import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../errors.js";
import { backoffMs, isTransient, withRetries, type RetryPolicy } from "./retry.js";

const answered = (statusCode: number, code?: string) => new RestError("answered", { statusCode, code });
const unanswered = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

function policy(maxRetries: number, delays: number[] = []): RetryPolicy {
  return { maxRetries, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999, sleep: async (ms) => void delays.push(ms) };
}

describe("azure retries", () => {
  it("retry throttling, server errors and dropped connections, never a client's mistake", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isTransient(answered(status)), String(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 412, 416, 501]) expect(isTransient(answered(status)), String(status)).toBe(false);
    for (const code of ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]) expect(isTransient(unanswered(code)), code).toBe(true);
    expect(isTransient(new RestError("send failed", { code: RestError.REQUEST_SEND_ERROR }))).toBe(true);
    expect(isTransient(new Error("wrapped", { cause: unanswered("ECONNRESET") }))).toBe(true);
    expect(isTransient(new Error("socket hang up"))).toBe(true);
    expect(isTransient(new TypeError("bad argument"))).toBe(false);
  });

  it("wait a random time below a doubling ceiling", () => {
    const p = { maxRetries: 9, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffMs({ ...p, random: () => 0.5 }, 0)).toBe(50);
    expect(backoffMs({ ...p, random: () => 0.5 }, 2)).toBe(200);
    expect(backoffMs({ ...p, random: () => 0.5 }, 8)).toBe(500); // capped at maxDelayMs
    const spread = new Set(Array.from({ length: 50 }, () => backoffMs(p, 3)));
    expect(spread.size).toBeGreaterThan(10);
    for (const delay of spread) expect(delay).toBeGreaterThanOrEqual(0), expect(delay).toBeLessThan(800);
  });

  it("succeed after transient failures, passing each attempt number", async () => {
    const delays: number[] = [];
    const attempts: number[] = [];
    const result = await withRetries(policy(3, delays), "put /x", async (attempt) => {
      attempts.push(attempt);
      if (attempt < 2) throw answered(503, "ServerBusy");
      return "done";
    });
    expect(result).toBe("done");
    expect(attempts).toEqual([0, 1, 2]);
    expect(delays).toEqual([99, 199]);
  });

  it("end in StorageUnavailableError when the retries run out", async () => {
    let calls = 0;
    const failing = withRetries(policy(2), "put /x", async () => {
      calls++;
      throw answered(500, "OperationTimedOut");
    });
    await expect(failing).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(failing).rejects.toThrow("azure: put /x failed after 3 attempts: answered");
    expect(calls).toBe(3);
  });

  it("abort an attempt that gets no answer in time, and retry it", async () => {
    const attempts: number[] = [];
    const result = await withRetries({ ...policy(2), attemptTimeoutMs: 50 }, "get /x", (attempt, signal) => {
      attempts.push(attempt);
      if (attempt > 0) return Promise.resolve("answered");
      // Never answers by itself; only the deadline ends it, the way the SDK reports an abort.
      return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(Object.assign(new Error("The operation was aborted."), { name: "AbortError" }))));
    });
    expect(result).toBe("answered");
    expect(attempts).toEqual([0, 1]);
  });

  it("pass a client's mistake straight through", async () => {
    let calls = 0;
    const mistake = answered(403, "AuthenticationFailed");
    await expect(
      withRetries(policy(5), "put /x", async () => {
        calls++;
        throw mistake;
      }),
    ).rejects.toBe(mistake);
    expect(calls).toBe(1);
  });
});
