import { pino } from "pino";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { reindex } from "../metadata/reindex.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { Registry } from "../registry/registry.js";
import * as paths from "../registry/paths.js";
import { testRegistry } from "../test-support.js";
import { blobExists, collect, OCI_MANIFEST, pathExists, pushLayers } from "./gc-test-support.js";
import { trashDescriptor } from "./trash-paths.js";
import { Trash } from "./trash.js";

interface Listed {
  id: string;
  kind: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  tags: string[];
  deletedBy: string;
  deletedAt: string;
  state: string;
  restorable: boolean;
  changedAt: string | null;
  gcRun: number | null;
}

async function deletedItems(app: Parameters<typeof request>[0], query = ""): Promise<Listed[]> {
  return (await request(app).get(`/api/v0/deleted${query}`).expect(200)).body.items as Listed[];
}

describe("soft deletes", () => {
  it("a deleted tag leaves the API at once, stays out after reindex, is listed with who and when, and restores", async () => {
    const { app, driver, metadata } = testRegistry();
    const image = await pushLayers(app, "web", "v1", [`layer-${Math.random()}`]);
    await request(app).put("/v2/web/manifests/v2").set("Content-Type", OCI_MANIFEST).send(image.manifest).expect(201);
    const before = Date.now();
    await request(app).delete("/v2/web/manifests/v1").expect(202);

    await request(app).get("/v2/web/manifests/v1").expect(404);
    expect((await request(app).get("/v2/web/tags/list").expect(200)).body.tags).toEqual(["v2"]);
    // Storage is the source of truth: the tag's links are out of the registry:2 tree.
    expect(await pathExists(driver, paths.tagDir("web", "v1"))).toBe(false);
    await reindex(driver, metadata);
    expect((await request(app).get("/v2/web/tags/list").expect(200)).body.tags).toEqual(["v2"]);

    const [item] = await deletedItems(app);
    expect(item).toMatchObject({ kind: "tag", repository: "web", tag: "v1", digest: image.digest, deletedBy: "anonymous", state: "deleted", restorable: true });
    expect(Date.parse(item?.deletedAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
    expect(await pathExists(driver, trashDescriptor(item?.id ?? ""))).toBe(true);

    const restored = await request(app).post(`/api/v0/deleted/${item?.id}/restore`).expect(200);
    expect(restored.body).toMatchObject({ state: "restored", restoredBy: "anonymous", restorable: false });
    const pulled = await request(app).get("/v2/web/manifests/v1").set("Accept", OCI_MANIFEST).expect(200);
    expect(pulled.headers["docker-content-digest"]).toBe(image.digest);
    expect((await request(app).get("/v2/web/tags/list").expect(200)).body.tags).toEqual(["v1", "v2"]);
    await reindex(driver, metadata);
    expect((await request(app).get("/v2/web/tags/list").expect(200)).body.tags).toEqual(["v1", "v2"]);
    // Restoring twice is refused.
    const again = await request(app).post(`/api/v0/deleted/${item?.id}/restore`).expect(409);
    expect(again.body.errors[0].message).toMatch(/already restored/);
  });

  it("a manifest deleted by digest takes its tags along, and comes back with them", async () => {
    const { app } = testRegistry();
    const image = await pushLayers(app, "api", "1.0", [`layer-${Math.random()}`]);
    await request(app).put("/v2/api/manifests/latest").set("Content-Type", OCI_MANIFEST).send(image.manifest).expect(201);
    await request(app).delete(`/v2/api/manifests/${image.digest}`).expect(202);
    await request(app).get(`/v2/api/manifests/${image.digest}`).expect(404);
    await request(app).get("/v2/api/manifests/latest").expect(404);
    const [item] = await deletedItems(app, "?kind=manifest");
    expect(item).toMatchObject({ kind: "manifest", digest: image.digest, tags: ["1.0", "latest"] });
    await request(app).post(`/api/v0/deleted/${item?.id}/restore`).expect(200);
    await request(app).get(`/v2/api/manifests/${image.digest}`).set("Accept", OCI_MANIFEST).expect(200);
    expect((await request(app).get("/v2/api/tags/list").expect(200)).body.tags).toEqual(["1.0", "latest"]);
  });

  it("a repository deleted through the API leaves the catalog and /v2, nested repositories stay, and restores", async () => {
    const { app } = testRegistry();
    const image = await pushLayers(app, "org/app", "v1", [`layer-${Math.random()}`]);
    await pushLayers(app, "org/app/sub", "v1", [`nested-${Math.random()}`]);
    const deleted = await request(app).delete("/api/v0/repositories/org/app").expect(202);
    expect(deleted.body).toMatchObject({ kind: "repository", repository: "org/app", tags: ["v1"], state: "deleted" });
    expect((await request(app).get("/v2/_catalog").expect(200)).body.repositories).toEqual(["org/app/sub"]);
    expect((await request(app).get("/v2/org/app/tags/list").expect(404)).body.errors[0].code).toBe("NAME_UNKNOWN");
    await request(app).head(`/v2/org/app/blobs/${image.layers[0]}`).expect(404);
    await request(app).get("/v2/org/app/sub/manifests/v1").set("Accept", OCI_MANIFEST).expect(200);
    await request(app).delete("/api/v0/repositories/org/app").expect(404);
    await request(app).delete("/api/v0/repositories/Not..Valid").expect(400);

    await request(app).post(`/api/v0/deleted/${deleted.body.id}/restore`).expect(200);
    expect((await request(app).get("/v2/_catalog").expect(200)).body.repositories).toEqual(["org/app", "org/app/sub"]);
    await request(app).get("/v2/org/app/manifests/v1").set("Accept", OCI_MANIFEST).expect(200);
    await request(app).head(`/v2/org/app/blobs/${image.layers[0]}`).expect(200);
  });

  it("restore is refused with a clear message once a collection removed the content, and on a name taken again", async () => {
    const { app, driver, metadata } = testRegistry();
    const image = await pushLayers(app, "gone", "v1", [`layer-${Math.random()}`]);
    await request(app).delete(`/v2/gone/manifests/${image.digest}`).expect(202);
    const [item] = await deletedItems(app);
    const run = await collect(driver, metadata);
    expect(await blobExists(driver, image.layers[0] as string)).toBe(false);
    const refused = await request(app).post(`/api/v0/deleted/${item?.id}/restore`).expect(410);
    expect(refused.body.errors[0].message).toBe(
      `manifest gone@${image.digest} was permanently removed by garbage collection run ${run.id} at ${(await deletedItems(app))[0]?.changedAt}: it can no longer be restored`,
    );
    expect((await deletedItems(app))[0]).toMatchObject({ state: "purged", restorable: false });

    const other = await pushLayers(app, "taken", "v1", [`layer-${Math.random()}`]);
    await request(app).delete("/v2/taken/manifests/v1").expect(202);
    await pushLayers(app, "taken", "v1", [`new-${Math.random()}`]);
    const [taken] = await deletedItems(app, "?repository=taken");
    const conflict = await request(app).post(`/api/v0/deleted/${taken?.id}/restore`).expect(409);
    expect(conflict.body.errors[0].message).toMatch(/^tag taken:v1 exists again \(pointing at sha256:[0-9a-f]{64}\); delete it before restoring$/);
    expect(other.digest).not.toBe("");
  });

  it("a new database finds soft-deleted items in the storage trash: listed and restorable after reindex", async () => {
    const first = testRegistry();
    const image = await pushLayers(first.app, "lost", "v1", [`layer-${Math.random()}`]);
    await request(first.app).delete("/v2/lost/manifests/v1").expect(202);
    const [original] = await deletedItems(first.app);

    // The same storage with an empty database, as after losing it: reindex, then import the trash.
    const { driver, config } = first;
    const fresh = new SqliteMetadataStore(":memory:");
    const app = createApp({ config, registry: new Registry(driver, fresh), logger: pino({ level: "silent" }) });
    await reindex(driver, fresh);
    expect((await request(app).get("/v2/lost/tags/list").expect(200)).body.tags).toEqual([]);
    expect(await deletedItems(app)).toEqual([]);
    const imported = await new Trash(driver, fresh).importOrphans();
    expect(imported.map((item) => item.id)).toEqual([original?.id]);
    const [item] = await deletedItems(app);
    expect(item).toMatchObject({ id: original?.id, kind: "tag", tag: "v1", deletedBy: "anonymous", deletedAt: original?.deletedAt, state: "deleted" });
    await request(app).post(`/api/v0/deleted/${item?.id}/restore`).expect(200);
    const pulled = await request(app).get("/v2/lost/manifests/v1").set("Accept", OCI_MANIFEST).expect(200);
    expect(pulled.headers["docker-content-digest"]).toBe(image.digest);
  });

  it("a deleted tag whose manifest stays (another tag, or an untagged revision) stays restorable after a collection", async () => {
    const { app, driver, metadata } = testRegistry();
    const image = await pushLayers(app, "kept", "v1", [`layer-${Math.random()}`]);
    await request(app).put("/v2/kept/manifests/v2").set("Content-Type", OCI_MANIFEST).send(image.manifest).expect(201);
    await request(app).delete("/v2/kept/manifests/v1").expect(202);
    const run = await collect(driver, metadata);
    expect(run.summary).toMatchObject({ trashPurged: 0, blobsDeleted: 0 });
    const [item] = await deletedItems(app);
    expect(item).toMatchObject({ state: "deleted", restorable: true, gcRun: null });
    await request(app).post(`/api/v0/deleted/${item?.id}/restore`).expect(200);
    expect((await request(app).get("/v2/kept/tags/list").expect(200)).body.tags).toEqual(["v1", "v2"]);

    // With deleteUntagged the manifest of a deleted only tag goes, and the tag with it.
    await request(app).delete("/v2/kept/manifests/v1").expect(202);
    await request(app).delete("/v2/kept/manifests/v2").expect(202);
    const untagged = await collect(driver, metadata, { deleteUntagged: true });
    expect(untagged.summary).toMatchObject({ trashPurged: 2, manifestsDeleted: 1, blobsDeleted: 3 });
    expect((await deletedItems(app, "?state=purged")).length).toBe(2);
  });

  it("honours storage.delete.enabled: no soft delete without it", async () => {
    const { app } = testRegistry((config) => (config.storage.delete.enabled = false));
    await pushLayers(app, "keep", "v1", ["x"]);
    await request(app).delete("/v2/keep/manifests/v1").expect(405);
    await request(app).delete("/api/v0/repositories/keep").expect(405);
    expect(await deletedItems(app)).toEqual([]);
    await request(app).get("/v2/keep/manifests/v1").set("Accept", OCI_MANIFEST).expect(200);
  });
});
