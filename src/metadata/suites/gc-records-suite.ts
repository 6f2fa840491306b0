/** Soft-delete records, collection runs, holds and claims, and settings, run against every implementation. */
import { describe, expect, it } from "vitest";
import type { DeletedItem } from "../gc-records.js";
import { storeFixture, type MetadataFactory } from "./fixture.js";

const OPTIONS = { dryRun: false, deleteUntagged: false, graceMs: 0 };

function deletedItem(id: string, deletedAt: number, extra: Partial<DeletedItem> = {}): DeletedItem {
  return {
    id,
    kind: "tag",
    repository: "repo",
    tag: "latest",
    digest: "sha256:1",
    tags: ["latest"],
    manifests: ["sha256:1"],
    deletedBy: "alice",
    deletedAt,
    state: "deleted",
    restoredBy: null,
    changedAt: null,
    gcRun: null,
    ...extra,
  };
}

export function gcRecordsSuite(factory: MetadataFactory): void {
  describe(`gc records (${factory.name})`, () => {
    const fixture = storeFixture(factory);

    it("a claim is refused while a hold is open or was released after the mark began", async () => {
      const store = await fixture.store();
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
      expect(await gc.claimed(["sha256:a", "sha256:c"], 3_000)).toEqual(["sha256:a"]);
    });

    it("prune drops other runs' claims and holds released or opened too long ago", async () => {
      const store = await fixture.store();
      const gc = store.gcCoordination;
      expect(await gc.claim(1, ["sha256:old"], 0, 99_000)).toEqual(["sha256:old"]);
      expect(await gc.claim(2, ["sha256:mine"], 0, 99_000)).toEqual(["sha256:mine"]);
      const released = await gc.hold(["sha256:r"], 1_000);
      await gc.release(released.holdId, 1_500);
      await gc.hold(["sha256:stale"], 1_000);
      await gc.hold(["sha256:fresh"], 5_000);
      await gc.prune(2, 2_000, 2_000);
      expect(await gc.claimed(["sha256:old", "sha256:mine"], 0)).toEqual(["sha256:mine"]);
      expect(await gc.claim(2, ["sha256:r", "sha256:stale", "sha256:fresh"], 0, 99_000)).toEqual(["sha256:r", "sha256:stale"]);
    });

    it("the periodic prune of released holds keeps those a running run still honours", async () => {
      const store = await fixture.store();
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
    });

    it("one run holds the lease; a dead owner's run is marked interrupted", async () => {
      const store = await fixture.store();
      const now = Date.now();
      const first = await store.gcRuns.start("api", OPTIONS, "host:1", now, 60_000, () => true);
      expect("run" in first).toBe(true);
      const busy = await store.gcRuns.start("cli", OPTIONS, "host:2", now + 1, 60_000, () => true);
      expect("busy" in busy && busy.busy.owner).toBe("host:1");
      expect("run" in (await store.gcRuns.start("cli", { ...OPTIONS, dryRun: true }, "host:2", now + 1, 60_000, () => true))).toBe(true);
      const taken = await store.gcRuns.start("cli", OPTIONS, "host:2", now + 2, 60_000, (owner) => owner !== "host:1");
      expect("run" in taken).toBe(true);
      const runs = await store.gcRuns.list(10);
      expect(runs.map((run) => run.owner)).toEqual(["host:2", "host:2", "host:1"]);
      expect(runs.find((run) => run.owner === "host:1")).toMatchObject({ state: "failed", error: expect.stringMatching(/interrupted/) });
    });

    it("an expired lease is taken over; runs record their marks, heartbeats and outcome", async () => {
      const store = await fixture.store();
      const first = await store.gcRuns.start("schedule", { dryRun: false, deleteUntagged: true, graceMs: 1_500.4 }, "host:1", 10_000, 60_000, () => true);
      if (!("run" in first)) throw new Error("not started");
      expect(first.run).toMatchObject({ trigger: "schedule", dryRun: false, deleteUntagged: true, graceMs: 1_500, state: "running", startedAt: 10_000, heartbeatAt: 10_000, markStartedAt: null, finishedAt: null, summary: null, error: null });
      await store.gcRuns.setMarkStarted(first.run.id, 20_000);
      await store.gcRuns.heartbeat(first.run.id, 30_000);
      expect("busy" in (await store.gcRuns.start("cli", OPTIONS, "host:2", 89_999, 60_000, () => true))).toBe(true);
      const second = await store.gcRuns.start("cli", OPTIONS, "host:2", 90_001, 60_000, () => true);
      if (!("run" in second)) throw new Error("lease not taken over");
      expect(await store.gcRuns.get(first.run.id)).toMatchObject({ state: "failed", markStartedAt: 20_000, heartbeatAt: 30_000, finishedAt: 90_001 });
      // A heartbeat after the run ended changes nothing.
      await store.gcRuns.heartbeat(first.run.id, 95_000);
      expect((await store.gcRuns.get(first.run.id))?.heartbeatAt).toBe(30_000);
      await store.gcRuns.finish(second.run.id, "succeeded", 100_000, { blobsDeleted: 3, nested: { a: [1] } }, null);
      expect(await store.gcRuns.get(second.run.id)).toMatchObject({ state: "succeeded", finishedAt: 100_000, heartbeatAt: 100_000, summary: { blobsDeleted: 3, nested: { a: [1] } } });
      expect(await store.gcRuns.get(999_999)).toBeNull();
      expect((await store.gcRuns.list(1)).map((run) => run.id)).toEqual([second.run.id]);
      expect((await store.gcRuns.list(10, second.run.id)).map((run) => run.id)).toEqual([first.run.id]);
    });

    it("records soft deletes, lists them newest first with filters and paging, and moves their state by compare-and-set", async () => {
      const store = await fixture.store();
      const { deleted } = store;
      await deleted.add(deletedItem("t1", 1_000));
      await deleted.add(deletedItem("t2", 2_000, { repository: "other" }));
      await deleted.add(deletedItem("m1", 2_000, { kind: "manifest", tag: null, tags: ["a", "b"], manifests: ["sha256:1", "sha256:2"] }));
      await deleted.add(deletedItem("r1", 3_000, { kind: "repository", tag: null, digest: null }));
      expect(await deleted.get("m1")).toEqual(deletedItem("m1", 2_000, { kind: "manifest", tag: null, tags: ["a", "b"], manifests: ["sha256:1", "sha256:2"] }));
      expect(await deleted.get("nope")).toBeNull();
      const ids = async (filter: Parameters<typeof deleted.list>[0]) => (await deleted.list(filter)).map((item) => item.id);
      expect(await ids({ limit: 10 })).toEqual(["r1", "t2", "m1", "t1"]);
      expect(await ids({ limit: 2, before: "t2" })).toEqual(["m1", "t1"]);
      expect(await ids({ limit: 10, before: "missing" })).toEqual([]);
      expect(await ids({ limit: 10, kind: "tag" })).toEqual(["t2", "t1"]);
      expect(await ids({ limit: 10, repository: "other" })).toEqual(["t2"]);

      expect(await deleted.transition("t1", ["deleted"], "restoring")).toBe(true);
      expect(await deleted.transition("t1", ["deleted"], "restoring")).toBe(false);
      expect(await deleted.transition("t1", ["restoring"], "restored", { restoredBy: "bob" })).toBe(true);
      expect(await deleted.get("t1")).toMatchObject({ state: "restored", restoredBy: "bob", gcRun: null, changedAt: expect.any(Number) });
      expect(await ids({ limit: 10, states: ["restored", "purged"] })).toEqual(["t1"]);

      const claimed = await deleted.claimForPurge(7, 2_500);
      expect(claimed.map((item) => item.id).sort()).toEqual(["m1", "t2"]);
      expect(claimed.every((item) => item.state === "purging" && item.gcRun === 7)).toBe(true);
      expect(await deleted.claimForPurge(8, 2_500)).toEqual([]);
      expect((await deleted.abandonedPurges(7)).map((item) => item.id)).toEqual([]);
      expect((await deleted.abandonedPurges(8)).map((item) => item.id).sort()).toEqual(["m1", "t2"]);
      expect(await deleted.transition("m1", ["purging"], "purged", { gcRun: 8 })).toBe(true);
      expect(await deleted.get("m1")).toMatchObject({ state: "purged", gcRun: 8 });
      expect(await deleted.transition("t2", ["purging"], "deleted", { gcRun: null })).toBe(true);
      expect(await deleted.get("t2")).toMatchObject({ state: "deleted", gcRun: null });
    });
  });
}
