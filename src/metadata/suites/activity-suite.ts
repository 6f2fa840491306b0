/** The portal's activity log, run against every implementation. */
import { describe, expect, it } from "vitest";
import type { ActivityEntry } from "../activity-records.js";
import { storeFixture, type MetadataFactory } from "./fixture.js";

function entry(at: string, extra: Partial<Omit<ActivityEntry, "id">> = {}): Omit<ActivityEntry, "id"> {
  return { at, kind: "push", actor: "ann", repository: "team/app", tag: "v1", digest: "sha256:1", address: "10.0.0.1", ...extra };
}

export function activitySuite(factory: MetadataFactory): void {
  describe(`activity log (${factory.name})`, () => {
    const fixture = storeFixture(factory);

    it("records entries in order and lists them newest first, filtered and paged", async () => {
      const { activity } = await fixture.store();
      await activity.record([]);
      await activity.record([
        entry("2026-11-01T00:00:00.000Z"),
        entry("2026-11-02T00:00:00.000Z", { kind: "pull", actor: "", tag: null }),
        entry("2026-11-03T00:00:00.000Z", { kind: "delete", repository: "lib", digest: null }),
      ]);
      await activity.record([entry("2026-11-04T00:00:00.000Z", { kind: "restore", actor: "bob", tag: "v2" })]);
      const all = await activity.list({ limit: 10 });
      expect(all.map((e) => e.at.slice(8, 10))).toEqual(["04", "03", "02", "01"]);
      expect(all[2]).toEqual({ id: expect.any(Number), ...entry("2026-11-02T00:00:00.000Z", { kind: "pull", actor: "", tag: null }) });
      expect((await activity.list({ limit: 2, before: all[1]?.id })).map((e) => e.kind)).toEqual(["pull", "push"]);
      expect((await activity.list({ limit: 10, kinds: ["pull", "restore"] })).map((e) => e.kind)).toEqual(["restore", "pull"]);
      expect((await activity.list({ limit: 10, actor: "" })).map((e) => e.kind)).toEqual(["pull"]);
      expect((await activity.list({ limit: 10, repository: "lib" })).map((e) => e.kind)).toEqual(["delete"]);
      expect((await activity.list({ limit: 10, tag: "v1", repository: "team/app" })).map((e) => e.kind)).toEqual(["push"]);
    });

    it("prunes entries older than a time and beyond the newest N", async () => {
      const { activity } = await fixture.store();
      await activity.record(["01", "02", "03", "04", "05"].map((day) => entry(`2026-11-${day}T00:00:00.000Z`)));
      expect(await activity.prune("2026-11-02T00:00:00.000Z", 10)).toBe(1);
      expect(await activity.prune("2026-11-01T00:00:00.000Z", 2)).toBe(2);
      expect((await activity.list({ limit: 10 })).map((e) => e.at.slice(8, 10))).toEqual(["05", "04"]);
      expect(await activity.prune("2026-11-01T00:00:00.000Z", 2)).toBe(0);
    });
  });
}
