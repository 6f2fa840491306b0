/** The notification outbox, run against every implementation. */
import { describe, expect, it } from "vitest";
import { testEvent } from "../../notifications/test-events.js";
import { manifestRecord as record, storeFixture, type MetadataFactory } from "./fixture.js";

const NO_FILTER = { actions: [], mediaTypes: [] };

export function outboxSuite(factory: MetadataFactory): void {
  describe(`outbox (${factory.name})`, () => {
    const fixture = storeFixture(factory);

    it("gives each endpoint the events after its cursor, in order, and forgets what all endpoints have", async () => {
      const { outbox } = await fixture.store();
      await outbox.append([testEvent({ id: "before" })]);
      await outbox.syncEndpoints(["a", "b"]);
      // A new endpoint starts after the newest event.
      expect(await outbox.pending("a", 10)).toEqual([]);
      const events = [testEvent({ id: "1" }), testEvent({ id: "2" }), testEvent({ id: "3" })];
      await outbox.append(events);
      const pending = await outbox.pending("a", 2);
      expect(pending.map((entry) => entry.event.id)).toEqual(["1", "2"]);
      expect(pending[0]?.event).toEqual(events[0]);

      await outbox.delivered("a", pending[1]?.seq ?? 0, 2);
      expect((await outbox.pending("a", 10)).map((entry) => entry.event.id)).toEqual(["3"]);
      expect((await outbox.pending("b", 10)).map((entry) => entry.event.id)).toEqual(["1", "2", "3"]);
      expect(await outbox.state("a", NO_FILTER)).toMatchObject({ queued: 1, delivered: 2, consecutiveFailures: 0 });

      // "b" takes everything: nothing is kept for anyone.
      await outbox.delivered("b", (await outbox.pending("b", 10)).at(-1)?.seq ?? 0, 3);
      await outbox.append([testEvent({ id: "4" })]);
      expect((await outbox.pending("a", 10)).map((entry) => entry.event.id)).toEqual(["3", "4"]);
      // A cursor never moves back.
      await outbox.delivered("a", 0, 0);
      expect((await outbox.pending("a", 10)).map((entry) => entry.event.id)).toEqual(["3", "4"]);
    });

    it("records failures until the next delivery and counts queued events the endpoint wants", async () => {
      const { outbox } = await fixture.store();
      await outbox.syncEndpoints(["hook"]);
      await outbox.append([testEvent({ action: "pull" }), testEvent({ mediaType: "application/octet-stream" }), testEvent()]);
      await outbox.failed("hook", "response status 500");
      await outbox.failed("hook", "no answer within 100 ms");
      const failing = await outbox.state("hook", { actions: ["pull"], mediaTypes: ["application/octet-stream"] });
      expect(failing).toMatchObject({ queued: 1, consecutiveFailures: 2, lastError: "no answer within 100 ms", lastSuccessAt: null });
      expect(failing.lastErrorAt).toBeGreaterThan(0);
      expect((await outbox.state("hook", NO_FILTER)).queued).toBe(3);
      expect(await outbox.state("unknown", NO_FILTER)).toMatchObject({ queued: 0, delivered: 0, consecutiveFailures: 0, lastError: null });

      const last = (await outbox.pending("hook", 10)).at(-1);
      await outbox.delivered("hook", last?.seq ?? 0, 1);
      const recovered = await outbox.state("hook", NO_FILTER);
      expect(recovered).toMatchObject({ queued: 0, delivered: 1, consecutiveFailures: 0, lastError: "no answer within 100 ms" });
      expect(recovered.lastSuccessAt).toBeGreaterThan(0);
    });

    it("stores an event id once, drops endpoints no longer configured, and forgets everything without endpoints", async () => {
      const { outbox } = await fixture.store();
      await outbox.syncEndpoints(["old", "kept"]);
      const event = testEvent({ id: "same" });
      await outbox.append([event, event]);
      await outbox.append([event]);
      expect(await outbox.pending("kept", 10)).toHaveLength(1);
      await outbox.syncEndpoints(["kept"]);
      expect(await outbox.pending("old", 10)).toEqual([]);
      expect(await outbox.pending("kept", 10)).toHaveLength(1);
      await outbox.syncEndpoints([]);
      await outbox.syncEndpoints(["kept"]);
      expect(await outbox.pending("kept", 10)).toEqual([]);
    });

    it("keeps a change's events in the change's transaction: a failed index write stores none", async () => {
      const store = await fixture.store();
      await store.outbox.syncEndpoints(["hook"]);
      await store.putManifest(record("repo", "sha256:1"), [testEvent({ id: "pushed" })]);
      await store.deleteTag("repo", "latest", [testEvent({ id: "tag-deleted", action: "delete" })]);
      await store.deleteManifest("repo", "sha256:1", [testEvent({ id: "deleted", action: "delete" })]);
      expect((await store.outbox.pending("hook", 10)).map((entry) => entry.event.id)).toEqual(["pushed", "tag-deleted", "deleted"]);

      // A manifest row that breaks a constraint (size NOT NULL) fails the whole transaction.
      const broken = { ...record("repo", "sha256:2"), size: null as unknown as number };
      await expect(store.putManifest(broken, [testEvent({ id: "lost" })])).rejects.toThrow();
      expect((await store.outbox.pending("hook", 10)).map((entry) => entry.event.id)).not.toContain("lost");
      expect(await store.referrers("repo", "sha256:2")).toEqual([]);
    });

    it("delivers through a claim: the batch after the cursor, then the cursor moves or a failure is counted", async () => {
      const { outbox } = await fixture.store();
      await outbox.syncEndpoints(["hook"]);
      expect(await outbox.claim("unknown")).toBeNull();
      await outbox.append([testEvent({ id: "1" }), testEvent({ id: "2" }), testEvent({ id: "3" })]);
      const first = await outbox.claim("hook");
      if (!first) throw new Error("no claim");
      const batch = await first.pending(2);
      expect(batch.map((entry) => entry.event.id)).toEqual(["1", "2"]);
      await first.failed("response status 503");
      await first.release();
      const second = await outbox.claim("hook");
      if (!second) throw new Error("no claim");
      expect((await second.pending(2)).map((entry) => entry.event.id)).toEqual(["1", "2"]);
      await second.delivered(batch.at(-1)?.seq ?? 0, 2);
      await second.release();
      expect(await outbox.state("hook", NO_FILTER)).toMatchObject({ queued: 1, delivered: 2, consecutiveFailures: 0, lastError: "response status 503" });
      const third = await outbox.claim("hook");
      // Released without an outcome: nothing changes.
      expect((await third?.pending(10))?.map((entry) => entry.event.id)).toEqual(["3"]);
      await third?.release();
      expect((await outbox.pending("hook", 10)).map((entry) => entry.event.id)).toEqual(["3"]);
    });

    it("tells listeners after events are stored", async () => {
      const store = await fixture.store();
      let told = 0;
      store.outbox.onAppend(() => told++);
      await store.outbox.append([testEvent()]);
      await store.putManifest(record("repo", "sha256:1"), [testEvent()]);
      await store.putManifest(record("repo", "sha256:2"));
      await new Promise((resolve) => setImmediate(resolve));
      expect(told).toBe(2);
    });
  });
}
