import { afterAll, describe, expect, it } from "vitest";
import { PostgresMetadataStore } from "../metadata/postgres.js";
import { testPostgres } from "../metadata/postgres-test-server.js";
import { SharedLoginThrottle } from "./shared-login-throttle.js";

const postgres = testPostgres();
const opened: PostgresMetadataStore[] = [];
afterAll(async () => Promise.all(opened.map((store) => store.close())));

/** Two replicas' stores on one new database. */
async function twoReplicas(): Promise<[PostgresMetadataStore, PostgresMetadataStore]> {
  const config = await postgres.newDatabase();
  const stores = [await PostgresMetadataStore.open(config), await PostgresMetadataStore.open(config)] as const;
  opened.push(...stores);
  return [stores[0], stores[1]];
}

describe("SharedLoginThrottle on PostgreSQL", () => {
  it("counts failures on every replica together, until the oldest leaves the window", async () => {
    const [a, b] = await twoReplicas();
    let now = 1_000_000;
    const limits = { peruser: 3, peraddress: 100, window: 60_000 };
    const replicas = [new SharedLoginThrottle(a.loginFailures, limits, () => now), new SharedLoginThrottle(b.loginFailures, limits, () => now)];
    for (let i = 0; i < 3; i++) {
      expect(await replicas[i % 2]!.retryAfter("ahab", "10.0.0.1")).toBe(0);
      await replicas[i % 2]!.failed("ahab", "10.0.0.1");
      now += 1000;
    }
    // Two failures on one replica, one on the other: blocked on both.
    expect(await replicas[0]!.retryAfter("ahab", "10.0.0.9")).toBe(57);
    expect(await replicas[1]!.retryAfter("ahab", "10.0.0.9")).toBe(57);
    expect(await replicas[1]!.retryAfter("moby", "10.0.0.1")).toBe(0);
    now += 57_000;
    expect(await replicas[1]!.retryAfter("ahab", "10.0.0.1")).toBe(0);
  });

  it("blocks an address trying many names on several replicas; a success on one clears the user's count on all", async () => {
    const [a, b] = await twoReplicas();
    const limits = { peruser: 2, peraddress: 3, window: 60_000 };
    const one = new SharedLoginThrottle(a.loginFailures, limits, () => a.now());
    const other = new SharedLoginThrottle(b.loginFailures, limits, () => b.now());
    await one.failed("a", "10.0.0.2");
    await other.succeeded("a");
    expect(await one.retryAfter("a", "10.0.0.3")).toBe(0);
    await other.failed("b", "10.0.0.2");
    await one.failed("c", "10.0.0.2");
    expect(await other.retryAfter("d", "10.0.0.2")).toBeGreaterThan(0);
    expect(await one.retryAfter("d", "10.0.0.4")).toBe(0);
  });
});
