import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../errors.js";
import { isTransient, withRetries, type RetryPolicy } from "./retry.js";

const answered = (statusCode: number, code?: string) => new RestError("answered", { statusCode, code });
const unanswered = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

function policy(maxRetries: number): RetryPolicy {
  return { maxRetries, baseDelayMs: 100, maxDelayMs: 1_000, sleep: async () => undefined };
}

// Backoff and the retry loop are shared by every driver: ../retry.test.ts.
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

  it("retry Azure's throttling answers and end in StorageUnavailableError naming azure", async () => {
    let calls = 0;
    const failing = withRetries(policy(2), "put /x", async () => {
      calls++;
      throw answered(500, "OperationTimedOut");
    });
    await expect(failing).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(failing).rejects.toThrow("azure: put /x failed after 3 attempts: answered");
    expect(calls).toBe(3);
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
