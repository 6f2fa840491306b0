import { describe, expect, it } from "vitest";
import { DatabaseClock } from "./postgres-clock.js";
import type { Queryable } from "./postgres-pool.js";

/** A server whose clock runs `skewMs` ahead of this host's, answering after `delayMs`. */
function skewedServer(skewMs: number, delayMs: number): Queryable {
  return {
    query: (async () => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const now = Date.now() + skewMs;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { rows: [{ now }] };
    }) as unknown as Queryable["query"],
  };
}

describe("DatabaseClock", () => {
  it("follows the server's clock, not this host's, to within half a round trip", async () => {
    for (const skew of [3_600_000, -45_000]) {
      const clock = new DatabaseClock(skewedServer(skew, 20));
      await clock.start();
      expect(Math.abs(clock.now() - (Date.now() + skew))).toBeLessThan(100);
      clock.stop();
    }
  });
});
