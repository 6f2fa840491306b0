/** The metadata index (MetadataStore's own methods), run against every implementation. */
import { describe, expect, it } from "vitest";
import { manifestRecord as record, storeFixture, type MetadataFactory } from "./fixture.js";

export function storeSuite(factory: MetadataFactory): void {
  describe(`metadata store (${factory.name})`, () => {
    const fixture = storeFixture(factory);

    it("indexes repositories, tags and referrers", async () => {
      const store = await fixture.store();
      await store.putManifest(record("b", "sha256:1"));
      await store.putManifest(record("a", "sha256:2"));
      await store.putManifest(record("a", "sha256:3", { subject: "sha256:2", artifactType: "sig", annotations: { k: "v" } }));
      await store.setTag("a", "v2", "sha256:2");
      await store.setTag("a", "v1", "sha256:2");
      expect(await store.listRepositories({ limit: 10 })).toEqual(["a", "b"]);
      expect(await store.listRepositories({ limit: 10, after: "a" })).toEqual(["b"]);
      expect(await store.listTags("a", { limit: 1 })).toEqual(["v1"]);
      expect((await store.referrers("a", "sha256:2")).map((r) => r.annotations)).toEqual([{ k: "v" }]);
      expect(await store.referrers("a", "sha256:2", "sig")).toEqual([record("a", "sha256:3", { subject: "sha256:2", artifactType: "sig", annotations: { k: "v" } })]);
      expect(await store.referrers("a", "sha256:2", "other")).toEqual([]);
      await store.deleteManifest("a", "sha256:2");
      expect(await store.listTags("a", { limit: 10 })).toEqual([]);
      expect(await store.repositoryExists("a")).toBe(true);
      expect(await store.repositoryExists("c")).toBe(false);
    });

    it("updates a manifest put twice, moves a tag, and deletes tags and repositories", async () => {
      const store = await fixture.store();
      await store.putManifest(record("r", "sha256:1", { size: 5 }));
      await store.putManifest(record("r", "sha256:1", { size: 7, artifactType: "x", subject: "sha256:0" }));
      expect(await store.referrers("r", "sha256:0")).toEqual([record("r", "sha256:1", { size: 7, artifactType: "x", subject: "sha256:0" })]);
      await store.putManifest(record("r", "sha256:2"));
      await store.setTag("r", "latest", "sha256:1");
      await store.setTag("r", "latest", "sha256:2");
      await store.setTag("r", "old", "sha256:1");
      await store.deleteManifest("r", "sha256:1");
      expect(await store.listTags("r", { limit: 10 })).toEqual(["latest"]);
      await store.deleteTag("r", "latest");
      expect(await store.listTags("r", { limit: 10 })).toEqual([]);
      await store.setTag("r", "again", "sha256:2");
      await store.deleteRepository("r");
      expect(await store.repositoryExists("r")).toBe(false);
      expect(await store.listTags("r", { limit: 10 })).toEqual([]);
      expect(await store.referrers("r", "sha256:0")).toEqual([]);
    });

    it("lists names in byte order and pages through them", async () => {
      const store = await fixture.store();
      const names = ["b", "a/z", "a-b", "a", "B", "a_b", "é"];
      for (const name of names) await store.putManifest(record(name, "sha256:1"));
      const expected = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect(await store.listRepositories({ limit: 100 })).toEqual(expected);
      const paged: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listRepositories({ limit: 2, ...(after === undefined ? {} : { after }) });
        if (page.length === 0) break;
        paged.push(...page);
        after = page.at(-1);
      }
      expect(paged).toEqual(expected);
      for (const tag of ["v10", "v2", "V1", "latest"]) await store.setTag("a", tag, "sha256:1");
      expect(await store.listTags("a", { limit: 10 })).toEqual(["V1", "latest", "v10", "v2"]);
      expect(await store.listTags("a", { limit: 10, after: "latest" })).toEqual(["v10", "v2"]);
    });

    it("replaces everything on reindex and remembers it was indexed, across reopen", async () => {
      const store = await fixture.store();
      expect(await store.isIndexed()).toBe(false);
      await store.putManifest(record("old", "sha256:9"));
      await store.replaceAll({
        repositories: ["new", "empty"],
        manifests: [record("new", "sha256:1", { annotations: { a: "b" }, subject: "sha256:0", artifactType: "t" })],
        tags: [{ repository: "new", tag: "t", digest: "sha256:1" }],
      });
      await store.close();
      const reopened = await fixture.reopen();
      expect(await reopened.isIndexed()).toBe(true);
      expect(await reopened.listRepositories({ limit: 10 })).toEqual(["empty", "new"]);
      expect(await reopened.listTags("new", { limit: 10 })).toEqual(["t"]);
      expect(await reopened.referrers("new", "sha256:0")).toEqual([record("new", "sha256:1", { annotations: { a: "b" }, subject: "sha256:0", artifactType: "t" })]);
    });

    it("replaces a large index in one go", async () => {
      const store = await fixture.store();
      const repositories = Array.from({ length: 1_500 }, (_, i) => `repo-${String(i).padStart(5, "0")}`);
      const manifests = repositories.map((name, i) => record(name, `sha256:${i}`, { size: i }));
      const tags = repositories.map((name, i) => ({ repository: name, tag: "latest", digest: `sha256:${i}` }));
      await store.replaceAll({ repositories, manifests, tags });
      expect(await store.listRepositories({ limit: 3, after: "repo-01499" })).toEqual([]);
      expect(await store.listRepositories({ limit: 2, after: "repo-00999" })).toEqual(["repo-01000", "repo-01001"]);
      expect(await store.listTags("repo-01234", { limit: 10 })).toEqual(["latest"]);
    });

    it("keeps settings", async () => {
      const store = await fixture.store();
      expect(await store.settings.get("gc.schedule")).toBeNull();
      await store.settings.set("gc.schedule", "0 0 * * *");
      await store.settings.set("gc.schedule", "0 1 * * *");
      expect(await store.settings.get("gc.schedule")).toBe("0 1 * * *");
      await store.settings.set("gc.schedule", null);
      expect(await store.settings.get("gc.schedule")).toBeNull();
    });

    it("advances a setting only forward, once per value, even with callers racing", async () => {
      const store = await fixture.store();
      const tick = "gc.schedule.lasttick";
      expect(await store.settings.advance(tick, "2026-11-28T10:00:00.000Z")).toBe(true);
      expect(await store.settings.advance(tick, "2026-11-28T10:00:00.000Z")).toBe(false);
      expect(await store.settings.advance(tick, "2026-11-28T09:59:59.000Z")).toBe(false);
      expect(await store.settings.get(tick)).toBe("2026-11-28T10:00:00.000Z");
      const racing = await Promise.all(Array.from({ length: 8 }, () => store.settings.advance(tick, "2026-11-28T10:00:01.000Z")));
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await store.settings.get(tick)).toBe("2026-11-28T10:00:01.000Z");
    });

    it("sets a setting only when it is unset: racing callers all get the one value stored", async () => {
      const store = await fixture.store();
      const key = "auth.test.shared";
      const racing = await Promise.all(Array.from({ length: 8 }, (_, i) => store.settings.setIfAbsent(key, `value-${i}`)));
      const stored = await store.settings.get(key);
      expect(stored).toMatch(/^value-\d$/);
      expect(new Set(racing)).toEqual(new Set([stored]));
      expect(await store.settings.setIfAbsent(key, "later")).toBe(stored);
    });

    it("tells the time by the database's clock", async () => {
      const store = await fixture.store();
      // Both stores run on this host: the clocks agree to well within a second.
      expect(Math.abs(store.now() - Date.now())).toBeLessThan(1_000);
    });
  });
}
