import { describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "./sqlite.js";

const OPTIONS = { dryRun: false, deleteUntagged: false, graceMs: 0 };

describe("SQLite holds and claims", () => {
  it("a claim is refused while a hold is open or was released after the mark began", async () => {
    const store = new SqliteMetadataStore(":memory:");
    const gc = store.gcCoordination;
    const open = await gc.hold(["sha256:a", "sha256:b"], 1_000);
    expect(open.claimed).toEqual([]);
    expect(await gc.claim(1, ["sha256:a", "sha256:c"], 500, 99_000)).toEqual(["sha256:c"]);
    await gc.release(open.holdId, 2_000);
    expect(await gc.claim(1, ["sha256:a"], 1_999, 99_000)).toEqual([]);
    expect(await gc.claim(1, ["sha256:a"], 2_001, 99_000)).toEqual(["sha256:a"]);
    // A writer arriving now sees the claims until they are dropped or expire.
    expect((await gc.hold(["sha256:a", "sha256:d"], 3_000)).claimed).toEqual(["sha256:a"]);
    expect(await gc.claimed(["sha256:a", "sha256:c"], 100_000)).toEqual([]);
    await gc.unclaim(["sha256:c"]);
    expect(await gc.claimed(["sha256:c"], 3_000)).toEqual([]);
    await store.close();
  });

  it("the periodic prune of released holds keeps those a running run still honours", async () => {
    const store = new SqliteMetadataStore(":memory:");
    const gc = store.gcCoordination;
    const started = await store.gcRuns.start("cli", OPTIONS, "host:1", Date.now(), 60_000, () => true);
    if (!("run" in started)) throw new Error("not started");
    const markStartedAt = Date.now() - 3_600_000;
    await store.gcRuns.setMarkStarted(started.run.id, markStartedAt);
    const early = await gc.hold(["sha256:early"], markStartedAt - 10_000);
    await gc.release(early.holdId, markStartedAt - 5_000);
    const late = await gc.hold(["sha256:late"], markStartedAt + 1_000);
    await gc.release(late.holdId, markStartedAt + 2_000);
    // Enough releases to pass the every-256th prune.
    for (let i = 0; i < 256; i++) {
      const { holdId } = await gc.hold([`sha256:x${i}`], Date.now());
      await gc.release(holdId, Date.now());
    }
    expect(await gc.claim(started.run.id, ["sha256:early", "sha256:late"], markStartedAt, Date.now() + 60_000)).toEqual(["sha256:early"]);
    await store.close();
  });

  it("one run holds the lease; a dead owner's run is marked interrupted", async () => {
    const store = new SqliteMetadataStore(":memory:");
    const now = Date.now();
    const first = await store.gcRuns.start("api", OPTIONS, "host:1", now, 60_000, () => true);
    expect("run" in first).toBe(true);
    expect("busy" in (await store.gcRuns.start("cli", OPTIONS, "host:2", now + 1, 60_000, () => true))).toBe(true);
    expect("run" in (await store.gcRuns.start("cli", { ...OPTIONS, dryRun: true }, "host:2", now + 1, 60_000, () => true))).toBe(true);
    const taken = await store.gcRuns.start("cli", OPTIONS, "host:2", now + 2, 60_000, (owner) => owner !== "host:1");
    expect("run" in taken).toBe(true);
    const runs = await store.gcRuns.list(10);
    expect(runs.find((run) => run.owner === "host:1")).toMatchObject({ state: "failed", error: expect.stringMatching(/interrupted/) });
    await store.close();
  });
});
