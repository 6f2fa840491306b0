import { describe, expect, it } from "vitest";
import { LoginThrottle } from "./login-throttle.js";

describe("LoginThrottle", () => {
  it("blocks a user after the limit, until the oldest failure leaves the window", () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({ peruser: 3, peraddress: 100, window: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfter("ahab", "10.0.0.1")).toBe(0);
      throttle.failed("ahab", "10.0.0.1");
      now += 1000;
    }
    expect(throttle.retryAfter("ahab", "10.0.0.9")).toBe(57);
    expect(throttle.retryAfter("moby", "10.0.0.1")).toBe(0);
    now += 57_000;
    expect(throttle.retryAfter("ahab", "10.0.0.1")).toBe(0);
  });

  it("blocks an address trying many names, and a success clears the user's count", () => {
    const throttle = new LoginThrottle({ peruser: 2, peraddress: 3, window: 60_000 });
    throttle.failed("a", "10.0.0.2");
    throttle.succeeded("a");
    expect(throttle.retryAfter("a", "10.0.0.3")).toBe(0);
    throttle.failed("b", "10.0.0.2");
    throttle.failed("c", "10.0.0.2");
    expect(throttle.retryAfter("d", "10.0.0.2")).toBeGreaterThan(0);
    expect(throttle.retryAfter("d", "10.0.0.4")).toBe(0);
  });
});
