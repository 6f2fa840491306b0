import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteMetadataStore } from "./sqlite.js";
import type { ManifestRecord } from "./store.js";

function record(repository: string, digest: string, extra: Partial<ManifestRecord> = {}): ManifestRecord {
  return { repository, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", size: 10, artifactType: null, subject: null, annotations: null, ...extra };
}

describe("SqliteMetadataStore", () => {
  it("indexes repositories, tags and referrers", async () => {
    const store = new SqliteMetadataStore(":memory:");
    await store.putManifest(record("b", "sha256:1"));
    await store.putManifest(record("a", "sha256:2"));
    await store.putManifest(record("a", "sha256:3", { subject: "sha256:2", artifactType: "sig", annotations: { k: "v" } }));
    await store.setTag("a", "v2", "sha256:2");
    await store.setTag("a", "v1", "sha256:2");
    expect(await store.listRepositories({ limit: 10 })).toEqual(["a", "b"]);
    expect(await store.listRepositories({ limit: 10, after: "a" })).toEqual(["b"]);
    expect(await store.listTags("a", { limit: 1 })).toEqual(["v1"]);
    expect((await store.referrers("a", "sha256:2")).map((r) => r.annotations)).toEqual([{ k: "v" }]);
    expect(await store.referrers("a", "sha256:2", "other")).toEqual([]);
    await store.deleteManifest("a", "sha256:2");
    expect(await store.listTags("a", { limit: 10 })).toEqual([]);
    expect(await store.repositoryExists("a")).toBe(true);
    await store.close();
  });

  it("replaces everything on reindex and remembers it was indexed, across reopen", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "berth-sqlite-")), "index.sqlite");
    const store = new SqliteMetadataStore(path);
    expect(await store.isIndexed()).toBe(false);
    await store.putManifest(record("old", "sha256:9"));
    await store.replaceAll({ repositories: ["new"], manifests: [record("new", "sha256:1")], tags: [{ repository: "new", tag: "t", digest: "sha256:1" }] });
    await store.close();
    const reopened = new SqliteMetadataStore(path);
    expect(await reopened.isIndexed()).toBe(true);
    expect(await reopened.listRepositories({ limit: 10 })).toEqual(["new"]);
    expect(await reopened.listTags("new", { limit: 10 })).toEqual(["t"]);
    await reopened.close();
  });
});
