/** Repository search, run against every implementation. */
import { beforeEach, describe, expect, it } from "vitest";
import type { Visibility } from "../access-records.js";
import type { MetadataStore } from "../store.js";
import { storeFixture, type MetadataFactory } from "./fixture.js";

const MANIFEST = "application/vnd.oci.image.manifest.v1+json";

export function searchSuite(factory: MetadataFactory): void {
  describe(`repository search (${factory.name})`, () => {
    const fixture = storeFixture(factory);
    let store: MetadataStore;

    const push = async (repository: string, tag = "latest") => {
      const digest = `sha256:${repository.replace(/\W/g, "").padEnd(64, "0").slice(0, 64)}`;
      await store.putManifest({ repository, digest, mediaType: MANIFEST, size: 1, artifactType: null, subject: null, annotations: null });
      await store.setTag(repository, tag, digest);
    };
    const describeRepository = (name: string, description: string, visibility: Visibility = "private") =>
      store.access.putRepository({ name, visibility, description, createdAt: new Date().toISOString() });
    const names = async (term: string, page = { offset: 0, limit: 100 }) => (await store.search.candidates(term, page)).map((c) => `${c.name}:${c.match}`);

    beforeEach(async () => {
      store = await fixture.store();
    });

    it("ranks exact name, last component, prefix, substring, description, tag; shorter names first within a rank", async () => {
      for (const name of ["redis", "cache/redis", "redis-tools", "tools/redis-cli", "myredis", "web", "base", "ops/agent"]) await push(name);
      await describeRepository("web", "a frontend that talks to Redis");
      await push("base", "redis-7");
      expect(await names("redis")).toEqual([
        "redis:exact",
        "cache/redis:basename",
        "redis-tools:prefix",
        "tools/redis-cli:prefix",
        "myredis:substring",
        "web:description",
        "base:tag",
      ]);
      // Case does not matter; nothing else matches.
      expect(await names("REDIS")).toHaveLength(7);
      expect(await names("nothing-like-it")).toEqual([]);
    });

    it("lists every live repository in name order for an empty term, and pages by offset", async () => {
      for (const name of ["b", "a/x", "c"]) await push(name);
      await describeRepository("settings/only", "created through the API, not pushed");
      expect(await names("")).toEqual(["a/x:exact", "b:exact", "c:exact", "settings/only:exact"]);
      expect(await names("", { offset: 1, limit: 2 })).toEqual(["b:exact", "c:exact"]);
    });

    it("treats LIKE wildcards in the term literally", async () => {
      await push("plain");
      await describeRepository("plain", "100% plain_text");
      expect(await names("%")).toEqual(["plain:description"]);
      expect(await names("_")).toEqual(["plain:description"]);
      expect(await names("0%")).toEqual(["plain:description"]);
      expect(await names("t_x")).toEqual([]);
    });

    it("offers repositories with settings alone as not stored (the caller judges soft-deleted ones); deleted tags stop matching", async () => {
      await push("team/gone");
      await describeRepository("team/gone", "deleted soon");
      await push("team/kept", "v1-rc");
      // A soft delete of the repository takes it out of the index; its settings stay for a restore.
      await store.deleteRepository("team/gone");
      const found = await store.search.candidates("team", { offset: 0, limit: 10 });
      expect(found.map((candidate) => [candidate.name, candidate.stored])).toEqual([["team/gone", false], ["team/kept", true]]);
      expect(await names("rc")).toEqual(["team/kept:tag"]);
      await store.deleteTag("team/kept", "v1-rc");
      expect(await names("rc")).toEqual([]);
    });

    it("reports each repository's description and visibility (null without settings)", async () => {
      await push("lib/a");
      await push("lib/b");
      await describeRepository("lib/a", "the a library", "public");
      expect(await store.search.candidates("lib", { offset: 0, limit: 10 })).toEqual([
        { name: "lib/a", description: "the a library", visibility: "public", match: "prefix", stored: true },
        { name: "lib/b", description: "", visibility: null, match: "prefix", stored: true },
      ]);
    });

    it("is consistent after berth reindex rebuilds the index", async () => {
      await push("old/one");
      await describeRepository("kept/settings", "described");
      await store.replaceAll({ repositories: ["new/one"], manifests: [], tags: [] });
      expect(await names("one")).toEqual(["new/one:basename"]);
      expect(await names("described")).toEqual(["kept/settings:description"]);
    });
  });
}
