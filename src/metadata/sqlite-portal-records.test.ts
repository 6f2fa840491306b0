/** The portal's records in SQLite: sessions expire and are swept; the activity log filters, pages and prunes. */
import { describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "./sqlite.js";

const entry = (at: string, kind: "push" | "pull", repository: string, tag: string | null = null) => ({ at, kind, actor: "orca", repository, tag, digest: null, address: "127.0.0.1" });

describe("portal sessions in SQLite", () => {
  it("keeps a session until it expires or idles, then sweeps it", async () => {
    const store = new SqliteMetadataStore(":memory:");
    const base = { user: "orca", source: "managed" as const, csrfToken: "c", createdAt: 0 };
    await store.sessions.create({ ...base, idHash: "live", lastSeenAt: 1000, expiresAt: 10_000 });
    await store.sessions.create({ ...base, idHash: "expired", lastSeenAt: 1000, expiresAt: 2000 });
    await store.sessions.create({ ...base, idHash: "idle", lastSeenAt: 100, expiresAt: 10_000 });
    await store.sessions.touch("live", 900); // never moves back
    expect((await store.sessions.get("live"))?.lastSeenAt).toBe(1000);
    expect(await store.sessions.deleteExpired(3000, 500)).toBe(2);
    expect(await store.sessions.get("live")).not.toBeNull();
    expect(await store.sessions.get("idle")).toBeNull();
    expect(await store.sessions.deleteForUser("orca")).toBe(1);
    await store.close();
  });
});

describe("the activity log in SQLite", () => {
  it("filters by kind, repository and tag, newest first, paged by id", async () => {
    const store = new SqliteMetadataStore(":memory:");
    await store.activity.record([entry("2026-01-01T00:00:00.000Z", "push", "a/b", "v1"), entry("2026-01-02T00:00:00.000Z", "pull", "a/b", "v1"), entry("2026-01-03T00:00:00.000Z", "push", "c/d")]);
    expect((await store.activity.list({ limit: 10 })).map((e) => e.repository)).toEqual(["c/d", "a/b", "a/b"]);
    expect((await store.activity.list({ limit: 10, kinds: ["push"], repository: "a/b", tag: "v1" })).map((e) => e.kind)).toEqual(["push"]);
    const [newest] = await store.activity.list({ limit: 1 });
    expect((await store.activity.list({ limit: 10, before: newest?.id ?? 0 })).length).toBe(2);
    await store.close();
  });

  it("prunes entries older than the cut-off and beyond the newest ones kept", async () => {
    const store = new SqliteMetadataStore(":memory:");
    await store.activity.record(Array.from({ length: 10 }, (_, i) => entry(`2026-01-${String(i + 1).padStart(2, "0")}T00:00:00.000Z`, "pull", "a/b")));
    expect(await store.activity.prune("2026-01-03T00:00:00.000Z", 5)).toBe(5);
    expect((await store.activity.list({ limit: 100 })).map((e) => e.at.slice(8, 10))).toEqual(["10", "09", "08", "07", "06"]);
    await store.close();
  });
});
