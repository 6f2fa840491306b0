import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { createDriver } from "../../storage-drivers/index.js";
import { createApp } from "../app.js";
import { loadConfig } from "../config/index.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import * as paths from "../registry/paths.js";
import { checkDigest } from "../registry/reference.js";
import { Registry } from "../registry/registry.js";
import { pushBlob, sha256 } from "../test-support.js";
import { GarbageCollector, GcBusyError } from "./collector.js";
import { blobExists, collect, OCI_MANIFEST, pathExists, pushLayers, summaryOf } from "./gc-test-support.js";
import { whileHeld } from "./holds.js";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function fixture(driverName: "inmemory" | "filesystem") {
  const config = loadConfig({ env: {} });
  config.storage.delete.enabled = true;
  config.log.accesslog.disabled = true;
  let parameters = {};
  if (driverName === "filesystem") {
    const root = mkdtempSync(join(tmpdir(), "berth-gc-"));
    roots.push(root);
    parameters = { rootdirectory: root };
  }
  const driver = createDriver(driverName, parameters);
  const metadata = new SqliteMetadataStore(":memory:");
  const registry = new Registry(driver, metadata);
  const app = createApp({ config, registry, logger: pino({ level: "silent" }) });
  return { app, driver, metadata, config };
}

describe.each(["inmemory", "filesystem"] as const)("garbage collection over %s storage", (driverName) => {
  it("sweeps exactly the blobs only the deleted image used; the other image still pulls", async () => {
    const { app, driver, metadata } = fixture(driverName);
    const shared = `shared-${Math.random()}`;
    const doomed = await pushLayers(app, "team/app", "old", [shared, `unique-old-${Math.random()}`]);
    const kept = await pushLayers(app, "team/app", "new", [shared, `unique-new-${Math.random()}`]);
    const elsewhere = await pushLayers(app, "other", "v1", [shared]);

    await request(app).delete(`/v2/team/app/manifests/${doomed.digest}`).expect(202);
    const run = await collect(driver, metadata);

    for (const gone of [doomed.digest, doomed.config, doomed.layers[1] as string]) expect(await blobExists(driver, gone), gone).toBe(false);
    for (const stays of [kept.digest, kept.config, ...kept.layers, elsewhere.digest, elsewhere.config]) expect(await blobExists(driver, stays), stays).toBe(true);
    expect(summaryOf(run)).toMatchObject({ blobsDeleted: 3, trashPurged: 1 });
    // The repository's links to the swept blobs went too; its link to the shared layer stays.
    expect(await pathExists(driver, paths.layerLink("team/app", checkDigest(doomed.config)))).toBe(false);
    expect(await pathExists(driver, paths.layerLink("team/app", checkDigest(doomed.layers[1] as string)))).toBe(false);
    expect(await pathExists(driver, paths.layerLink("team/app", checkDigest(kept.layers[0] as string)))).toBe(true);

    const pulled = await request(app).get("/v2/team/app/manifests/new").set("Accept", OCI_MANIFEST).expect(200);
    expect(pulled.headers["docker-content-digest"]).toBe(kept.digest);
    for (const blob of [kept.config, ...kept.layers]) await request(app).get(`/v2/team/app/blobs/${blob}`).expect(200);
    await request(app).get(`/v2/team/app/manifests/${doomed.digest}`).expect(404);

    // A second run finds nothing more.
    expect(summaryOf(await collect(driver, metadata))).toMatchObject({ blobsDeleted: 0, layerLinksDeleted: 0 });
  });

  it("keeps untagged manifests unless asked; with deleteUntagged keeps tagged ones, their index children and referrers", async () => {
    const { app, driver, metadata } = fixture(driverName);
    const untagged = await pushLayers(app, "a", null, [`lonely-${Math.random()}`]);
    const tagged = await pushLayers(app, "a", "v1", [`tagged-${Math.random()}`]);
    const child = await pushLayers(app, "a", null, [`child-${Math.random()}`]);
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: Buffer.byteLength(child.manifest) }],
    });
    await request(app).put("/v2/a/manifests/multi").set("Content-Type", "application/vnd.oci.image.index.v1+json").send(index).expect(201);
    const signature = await pushLayers(app, "a", null, [`sig-${Math.random()}`], {
      artifactType: "application/vnd.example.signature",
      subject: { mediaType: OCI_MANIFEST, digest: tagged.digest, size: Buffer.byteLength(tagged.manifest) },
    });
    const orphanSignature = await pushLayers(app, "a", null, [`orphan-sig-${Math.random()}`], {
      artifactType: "application/vnd.example.signature",
      subject: { mediaType: OCI_MANIFEST, digest: untagged.digest, size: Buffer.byteLength(untagged.manifest) },
    });

    expect(summaryOf(await collect(driver, metadata))).toMatchObject({ blobsDeleted: 0, manifestsDeleted: 0 });
    expect(await blobExists(driver, untagged.layers[0] as string)).toBe(true);

    const run = await collect(driver, metadata, { deleteUntagged: true });
    expect(summaryOf(run)).toMatchObject({ manifestsDeleted: 2 });
    for (const gone of [untagged.digest, untagged.config, untagged.layers[0] as string, orphanSignature.digest, orphanSignature.layers[0] as string]) {
      expect(await blobExists(driver, gone), gone).toBe(false);
    }
    for (const stays of [tagged.digest, ...tagged.layers, child.digest, ...child.layers, signature.digest, ...signature.layers]) {
      expect(await blobExists(driver, stays), stays).toBe(true);
    }
    await request(app).get(`/v2/a/manifests/${untagged.digest}`).expect(404);
    await request(app).get(`/v2/a/manifests/${child.digest}`).set("Accept", OCI_MANIFEST).expect(200);
    const referrers = await request(app).get(`/v2/a/referrers/${tagged.digest}`).expect(200);
    expect(JSON.parse(referrers.text).manifests.map((m: { digest: string }) => m.digest)).toEqual([signature.digest]);
  });

  it("a database that never saw a soft delete still finds it in the storage trash and collects it", async () => {
    const { app, driver } = fixture(driverName);
    const image = await pushLayers(app, "orphan", "v1", [`orphan-${Math.random()}`]);
    await request(app).delete(`/v2/orphan/manifests/${image.digest}`).expect(202);
    const fresh = new SqliteMetadataStore(":memory:");
    expect(summaryOf(await collect(driver, fresh, { dryRun: true }))).toMatchObject({ blobsDeleted: 3, trashPurged: 1 });
    expect(summaryOf(await collect(driver, fresh))).toMatchObject({ blobsDeleted: 3, trashPurged: 1 });
    expect(await fresh.deleted.list({ limit: 10 })).toMatchObject([{ repository: "orphan", state: "purged" }]);
    for (const blob of [image.digest, image.config, ...image.layers]) expect(await blobExists(driver, blob)).toBe(false);
  });

  it("a dry run reports what a run would delete and deletes nothing", async () => {
    const { app, driver, metadata } = fixture(driverName);
    const image = await pushLayers(app, "dry", "v1", [`dry-${Math.random()}`]);
    await request(app).delete("/v2/dry/manifests/v1").expect(202);
    await request(app).delete(`/v2/dry/manifests/${image.digest}`).expect(202);
    const run = await collect(driver, metadata, { dryRun: true });
    expect(summaryOf(run)).toMatchObject({ dryRun: true, blobsDeleted: 3, trashPurged: 2 });
    for (const blob of [image.digest, image.config, ...image.layers]) expect(await blobExists(driver, blob)).toBe(true);
    const listed = await request(app).get("/api/v0/deleted").expect(200);
    expect(listed.body.items.map((item: { state: string }) => item.state)).toEqual(["deleted", "deleted"]);
  });
});

describe("online safety", () => {
  it("keeps a blob a writer holds, and recently written blobs within the grace period", async () => {
    const { app, driver, metadata } = fixture("inmemory");
    const held = await pushBlob(app, "a", `held-${Math.random()}`);
    const loose = await pushBlob(app, "a", `loose-${Math.random()}`);
    const recent = await collect(driver, metadata, { graceMs: 60_000 });
    expect(summaryOf(recent)).toMatchObject({ blobsDeleted: 0, keptRecent: 2 });

    await whileHeld(metadata, [held], async () => {
      const run = await collect(driver, metadata);
      expect(summaryOf(run)).toMatchObject({ blobsDeleted: 1, keptHeld: 1 });
    });
    expect(await blobExists(driver, held)).toBe(true);
    expect(await blobExists(driver, loose)).toBe(false);
  });

  it("a manifest PUT racing the deletion of its layer waits for the claim, then fails: nothing acknowledged is lost", async () => {
    const { app, driver, metadata } = fixture("inmemory");
    const layerBody = `racing-${Math.random()}`;
    const layer = await pushBlob(app, "race", layerBody);
    const configBody = "{}";
    const config = await pushBlob(app, "race", configBody);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 2 },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer, size: Buffer.byteLength(layerBody) }],
    });
    let put: Promise<request.Response> | undefined;
    await collect(driver, metadata, {
      beforeDelete: async (digest) => {
        if (digest !== layer || put) return;
        put = request(app).put("/v2/race/manifests/v1").set("Content-Type", OCI_MANIFEST).send(manifest).then((res) => res);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the PUT is now waiting on the claim
      },
    });
    const answer = await put;
    expect(answer?.status).toBe(400);
    expect(answer?.body.errors[0].code).toBe("MANIFEST_BLOB_UNKNOWN");
    await request(app).get("/v2/race/manifests/v1").expect(404);
  });

  it("only one collection deletes at a time; a dead one's lease is taken over", async () => {
    const { driver, metadata } = fixture("inmemory");
    const collector = new GarbageCollector(driver, metadata);
    const options = { trigger: "cli" as const, dryRun: false, deleteUntagged: false, graceMs: 0, uploadAgeMs: 1e9 };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await pushBlob(createApp({ config: loadConfig({ env: {} }), registry: new Registry(driver, metadata), logger: pino({ level: "silent" }) }), "x", "blob");
    const first = await collector.start({ ...options, beforeDelete: () => gate });
    await expect(collector.start(options)).rejects.toBeInstanceOf(GcBusyError);
    // Dry runs need no lease.
    expect((await collector.collect({ ...options, dryRun: true })).state).toBe("succeeded");
    release();
    expect((await first.done).state).toBe("succeeded");

    const dead = await metadata.gcRuns.start("cli", options, "elsewhere:1", Date.now() - 120_000, 60_000, () => true);
    const taken = await collector.collect(options);
    expect(taken.state).toBe("succeeded");
    expect("run" in dead && (await metadata.gcRuns.get(dead.run.id))?.state).toBe("failed");
  });

  it("a run stopped mid-sweep leaves nothing live missing, and the next run finishes the job", async () => {
    const { app, driver, metadata } = fixture("filesystem");
    const live = await pushLayers(app, "crash", "live", [`live-${Math.random()}`]);
    const garbage: string[] = [];
    for (let i = 0; i < 6; i++) garbage.push(await pushBlob(app, "crash", `garbage-${i}-${Math.random()}`));
    let deletions = 0;
    const failed = await new GarbageCollector(driver, metadata).collect({
      trigger: "cli",
      dryRun: false,
      deleteUntagged: false,
      graceMs: 0,
      uploadAgeMs: 1e9,
      beforeDelete: () => {
        if (++deletions > 3) throw new Error("simulated crash");
      },
    });
    expect(failed.state).toBe("failed");
    const left = (await Promise.all(garbage.map((digest) => blobExists(driver, digest)))).filter(Boolean).length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(garbage.length);
    const next = await collect(driver, metadata);
    expect(summaryOf(next).blobsDeleted).toBe(left);
    for (const digest of garbage) expect(await blobExists(driver, digest)).toBe(false);
    for (const digest of [live.digest, live.config, ...live.layers]) expect(await blobExists(driver, digest)).toBe(true);
    await request(app).get("/v2/crash/manifests/live").set("Accept", OCI_MANIFEST).expect(200);
  });

  it("removes stale upload sessions and dangling layer links", async () => {
    const { app, driver, metadata } = fixture("inmemory");
    const start = await request(app).post("/v2/up/blobs/uploads/").expect(202);
    const uuid = start.headers["docker-upload-uuid"] as string;
    await driver.putContent(paths.uploadStartedAt("up", uuid), Buffer.from("2001-01-01T00:00:00Z"));
    const fresh = await request(app).post("/v2/up/blobs/uploads/").expect(202);
    const dangling = sha256("never uploaded");
    await driver.putContent(paths.layerLink("up", checkDigest(dangling)), Buffer.from(dangling));
    await new Promise((resolve) => setTimeout(resolve, 5)); // older than the run, by the clock
    const run = await collect(driver, metadata, { uploadAgeMs: 3_600_000 });
    expect(summaryOf(run)).toMatchObject({ uploadsPurged: 1, layerLinksDeleted: 1, blobsDeleted: 0 });
    await request(app).get(`/v2/up/blobs/uploads/${uuid}`).expect(404);
    await request(app).get(fresh.headers.location as string).expect(204);
    expect(await pathExists(driver, paths.layerLink("up", checkDigest(dangling)))).toBe(false);
  });

  it("tells its owner about every run that ended, with the run's state", async () => {
    const { driver, metadata } = fixture("inmemory");
    const ended: string[] = [];
    const collector = new GarbageCollector(driver, metadata, (run) => ended.push(`${run.id}:${run.state}`));
    const run = await collector.collect({ trigger: "api", dryRun: true, deleteUntagged: false, graceMs: 0, uploadAgeMs: 3_600_000 });
    expect(ended).toEqual([`${run.id}:succeeded`]);
  });
});
