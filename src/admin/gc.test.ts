import { pino } from "pino";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { createDriver } from "../../storage-drivers/index.js";
import { createApp } from "../app.js";
import { loadConfig } from "../config/index.js";
import { GarbageCollector } from "../gc/collector.js";
import { pushLayers } from "../gc/gc-test-support.js";
import { GcScheduler } from "../gc/scheduler.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { Registry } from "../registry/registry.js";

function setup(schedule = "") {
  const config = loadConfig({ env: {} });
  config.storage.delete.enabled = true;
  config.log.accesslog.disabled = true;
  config.gc.schedule = schedule;
  config.gc.grace = 0;
  const driver = createDriver("inmemory", {});
  const metadata = new SqliteMetadataStore(":memory:");
  const logger = pino({ level: "silent" });
  const scheduler = new GcScheduler(new GarbageCollector(driver, metadata), metadata, config, logger);
  const app = createApp({ config, registry: new Registry(driver, metadata), logger, gcScheduler: scheduler });
  return { app, scheduler, metadata };
}

const schedulers: GcScheduler[] = [];
afterAll(() => schedulers.forEach((scheduler) => scheduler.stop()));

describe("/api/v0/gc", () => {
  it("shows, sets, pauses and resets the schedule at runtime", async () => {
    const { app, scheduler } = setup("0 0 0 * * *");
    schedulers.push(scheduler);
    await scheduler.start();
    const initial = (await request(app).get("/api/v0/gc/schedule").expect(200)).body;
    expect(initial).toMatchObject({ schedule: "0 0 0 * * *", source: "config", configured: "0 0 0 * * *" });
    const next = new Date(initial.nextRun);
    expect([next.getHours(), next.getMinutes(), next.getSeconds()]).toEqual([0, 0, 0]);

    const set = await request(app).put("/api/v0/gc/schedule").send({ schedule: "30 15 2 * * 1" }).expect(200);
    expect(set.body).toMatchObject({ schedule: "30 15 2 * * 1", source: "api" });
    expect(new Date(set.body.nextRun).getDay()).toBe(1);
    const paused = await request(app).put("/api/v0/gc/schedule").send({ schedule: "" }).expect(200);
    expect(paused.body).toMatchObject({ schedule: "", source: "api", nextRun: null });
    const reset = await request(app).delete("/api/v0/gc/schedule").expect(200);
    expect(reset.body).toMatchObject({ schedule: "0 0 0 * * *", source: "config" });

    const bad = await request(app).put("/api/v0/gc/schedule").send({ schedule: "every night" }).expect(400);
    expect(bad.body.errors[0].message).toMatch(/^schedule: expected a cron expression/);
    await request(app).put("/api/v0/gc/schedule").send({ schedule: 5 }).expect(400);
    await request(app).put("/api/v0/gc/schedule").set("Content-Type", "application/json").send("{not json").expect(400);
    expect((await request(app).get("/api/v0/gc/schedule").expect(200)).body.schedule).toBe("0 0 0 * * *");
  });

  it("fires on the schedule set at runtime and records each run with its summary", async () => {
    const { app, scheduler } = setup();
    schedulers.push(scheduler);
    await scheduler.start();
    const image = await pushLayers(app, "cron", "v1", ["a"]);
    await request(app).delete(`/v2/cron/manifests/${image.digest}`).expect(202);
    await request(app).put("/api/v0/gc/schedule").send({ schedule: "* * * * * *" }).expect(200);
    const deadline = Date.now() + 5_000;
    let runs: { trigger: string; state: string; summary: Record<string, number> | null }[] = [];
    while (Date.now() < deadline) {
      runs = (await request(app).get("/api/v0/gc/runs").expect(200)).body.runs;
      if (runs.some((run) => run.state === "succeeded")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await request(app).put("/api/v0/gc/schedule").send({ schedule: "" }).expect(200);
    const done = runs.find((run) => run.state === "succeeded");
    expect(done).toMatchObject({ trigger: "schedule" });
    expect(done?.summary).toMatchObject({ trashPurged: 1, blobsDeleted: 3 });
  });

  it("runs now, previews, and lists runs newest first", async () => {
    const { app } = setup();
    const image = await pushLayers(app, "now", "v1", ["only here"]);
    await request(app).delete(`/v2/now/manifests/${image.digest}`).expect(202);
    const preview = await request(app).post("/api/v0/gc/preview").expect(200);
    expect(preview.body).toMatchObject({ dryRun: true, state: "succeeded", trigger: "api", summary: { blobsDeleted: 3, trashPurged: 1 } });
    expect(preview.body.summary.sample.blobs).toContain(image.layers[0]);

    const started = await request(app).post("/api/v0/gc/runs").send({ grace: "0s" }).expect(202);
    expect(started.headers.location).toBe(`/api/v0/gc/runs/${started.body.id}`);
    let run = started.body;
    while (run.state === "running") run = (await request(app).get(`/api/v0/gc/runs/${started.body.id}`).expect(200)).body;
    expect(run).toMatchObject({ state: "succeeded", summary: { blobsDeleted: 3 } });

    const waited = await request(app).post("/api/v0/gc/runs?wait=true").send({ dryRun: false, deleteUntagged: true, grace: "1h" }).expect(200);
    expect(waited.body).toMatchObject({ state: "succeeded", deleteUntagged: true, graceSeconds: 3600, summary: { blobsDeleted: 0 } });
    const listed = (await request(app).get("/api/v0/gc/runs?n=2").expect(200)).body.runs;
    expect(listed.map((r: { id: number }) => r.id)).toEqual([waited.body.id, started.body.id]);
    const older = (await request(app).get(`/api/v0/gc/runs?n=5&last=${started.body.id}`).expect(200)).body.runs;
    expect(older.map((r: { id: number }) => r.id)).toEqual([preview.body.id]);

    await request(app).get("/api/v0/gc/runs/999").expect(404);
    await request(app).post("/api/v0/gc/runs").send({ grace: "soon" }).expect(400);
    await request(app).post("/api/v0/gc/runs").send({ dryRun: "yes" }).expect(400);
    await request(app).get("/api/v0/gc/runs?n=0").expect(400);
  });
});
