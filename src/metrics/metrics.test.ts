import { pino } from "pino";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createDriver } from "../../storage-drivers/index.js";
import { createApp } from "../app.js";
import { loadConfig } from "../config/index.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { Registry } from "../registry/registry.js";
import { pushImage, sha256 } from "../test-support.js";
import { createDebugApp } from "./debug-app.js";
import { parseExposition, total } from "./exposition.js";
import { Metrics } from "./metrics.js";
import { routeOf } from "./routes.js";
import { HealthMonitor } from "../health/monitor.js";

function fixture() {
  const config = loadConfig({ env: {} });
  config.storage.delete.enabled = true;
  config.log.accesslog.disabled = true;
  const metrics = new Metrics({ processMetrics: false });
  const driver = createDriver("inmemory", {}, { onOperation: metrics.storageObserver });
  const registry = new Registry(driver, new SqliteMetadataStore(":memory:"));
  const app = createApp({ config, registry, logger: pino({ level: "silent" }), metrics });
  const health = new HealthMonitor([], pino({ level: "silent" }));
  const debug = createDebugApp({ debug: { addr: ":5001", prometheus: { enabled: true, path: "/metrics" } }, health, metrics });
  const scrape = async () => {
    const res = await request(debug).get("/metrics").expect(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(res.text);
  };
  return { app, metrics, scrape };
}

describe("metrics", () => {
  it("counts and times requests by route, method and status, with the bytes both ways", async () => {
    const { app, scrape } = fixture();
    const image = await pushImage(app, "team/app", "v1");
    await request(app).get("/v2/team/app/manifests/v1").expect(200);
    await request(app).get("/v2/team/app/manifests/nope").expect(404);
    const layer = await request(app).get(`/v2/team/app/blobs/${image.layer}`).expect(200);
    await request(app).get("/v2/").expect(200);
    const samples = await scrape();
    expect(total(samples, "registry_http_requests_total", { handler: "manifest", method: "PUT", code: "201" })).toBe(1);
    expect(total(samples, "registry_http_requests_total", { handler: "manifest", method: "GET", code: "200" })).toBe(1);
    expect(total(samples, "registry_http_requests_total", { handler: "manifest", method: "GET", code: "404" })).toBe(1);
    expect(total(samples, "registry_http_requests_total", { handler: "blob_upload", method: "POST", code: "201" })).toBe(2);
    expect(total(samples, "registry_http_requests_total", { handler: "base" })).toBe(1);
    expect(total(samples, "registry_http_request_duration_seconds_count", { handler: "manifest" })).toBe(3);
    expect(total(samples, "registry_http_request_duration_seconds_bucket", { handler: "base", le: "+Inf" })).toBe(1);
    expect(total(samples, "registry_http_in_flight_requests")).toBe(0);
    // Request bodies in: the two blobs and the manifest.
    expect(total(samples, "berth_http_received_bytes_total", { handler: "manifest" })).toBeGreaterThanOrEqual(image.manifest.length);
    expect(total(samples, "berth_http_sent_bytes_total", { handler: "blob" })).toBeGreaterThan(Buffer.byteLength(layer.text ?? "") - 1);
    expect(total(samples, "berth_upload_sessions_total", { event: "started" })).toBe(2);
    expect(total(samples, "berth_upload_sessions_total", { event: "completed" })).toBe(2);
  });

  it("counts upload sessions through the chunked flow, including cancelled ones", async () => {
    const { app, scrape } = fixture();
    const started = await request(app).post("/v2/app/blobs/uploads/").expect(202);
    const location = started.headers.location ?? "";
    await request(app).patch(location).set("Content-Type", "application/octet-stream").send(Buffer.from("abc")).expect(202);
    await request(app).put(`${location}?digest=${sha256("abc")}`).expect(201);
    const cancelled = await request(app).post("/v2/app/blobs/uploads/").expect(202);
    await request(app).delete(cancelled.headers.location ?? "").expect(204);
    const samples = await scrape();
    expect(total(samples, "berth_upload_sessions_total", { event: "started" })).toBe(2);
    expect(total(samples, "berth_upload_sessions_total", { event: "completed" })).toBe(1);
    expect(total(samples, "berth_upload_sessions_total", { event: "cancelled" })).toBe(1);
    expect(total(samples, "registry_http_requests_total", { handler: "blob_upload_chunk", method: "PATCH", code: "202" })).toBe(1);
  });

  it("times storage driver calls and counts their errors by type", async () => {
    const { app, scrape } = fixture();
    await pushImage(app, "app", "v1");
    await request(app).get("/v2/app/manifests/missing").expect(404);
    const samples = await scrape();
    expect(total(samples, "registry_storage_action_seconds_count", { driver: "inmemory", action: "putContent" })).toBeGreaterThan(3);
    expect(total(samples, "registry_storage_action_seconds_count", { driver: "inmemory", action: "getContent" })).toBeGreaterThan(0);
    expect(total(samples, "berth_storage_errors_total", { driver: "inmemory", error: "PathNotFoundError" })).toBeGreaterThan(0);
  });

  it("exposes a GC run counter for the collector, deliveries and the outbox depth per endpoint", async () => {
    const { metrics, scrape } = fixture();
    metrics.gcRuns.inc({ outcome: "succeeded" });
    metrics.deliveryObserver.delivered?.("hook", 3);
    metrics.deliveryObserver.failed?.("hook");
    metrics.setOutboxDepthSource(async () => [{ name: "hook", queued: 7 }, { name: "other", queued: 0 }]);
    const samples = await scrape();
    expect(total(samples, "berth_gc_runs_total", { outcome: "succeeded" })).toBe(1);
    expect(total(samples, "berth_notifications_delivered_total", { endpoint: "hook" })).toBe(3);
    expect(total(samples, "berth_notifications_failures_total", { endpoint: "hook" })).toBe(1);
    expect(total(samples, "registry_notifications_pending", { endpoint: "hook" })).toBe(7);
    expect(total(samples, "registry_notifications_pending", { endpoint: "other" })).toBe(0);
  });

  it("names routes as registry:2 does, never by raw path", () => {
    expect(routeOf("/v2/", "")).toBe("base");
    expect(routeOf("/v2", "")).toBe("base");
    expect(routeOf("/v2/_catalog", "")).toBe("catalog");
    expect(routeOf("/v2/a/b/tags/list", "")).toBe("tags");
    expect(routeOf("/v2/a/manifests/latest", "")).toBe("manifest");
    expect(routeOf("/v2/a/blobs/uploads/", "")).toBe("blob_upload");
    expect(routeOf("/v2/a/blobs/uploads/0f0f", "")).toBe("blob_upload_chunk");
    expect(routeOf("/v2/a/blobs/sha256:00", "")).toBe("blob");
    expect(routeOf("/v2/a/referrers/sha256:00", "")).toBe("referrers");
    expect(routeOf("/registry/v2/a/manifests/x", "/registry")).toBe("manifest");
    expect(routeOf("/readyz", "")).toBe("health");
    expect(routeOf("/api/v0/notifications", "")).toBe("api");
    expect(routeOf("/favicon.ico", "")).toBe("unknown");
    expect(routeOf("/v2/x", "")).toBe("unknown");
  });

  it("reads the text format, with escaped label values and special numbers", () => {
    const samples = parseExposition('# HELP x y\n# TYPE x counter\nx{a="1",b="q\\"uote"} 2\ny +Inf\nz{le="0.5"} 1e3 1700000000\n');
    expect(samples).toEqual([
      { name: "x", labels: { a: "1", b: 'q"uote' }, value: 2 },
      { name: "y", labels: {}, value: Infinity },
      { name: "z", labels: { le: "0.5" }, value: 1000 },
    ]);
    expect(() => parseExposition("not a sample line {")).toThrow(/not a Prometheus sample/);
  });

  it("serves Node's process metrics unless turned off, and nothing at /metrics when prometheus is disabled", async () => {
    const metrics = new Metrics();
    const names = parseExposition(await metrics.registry.metrics()).map((sample) => sample.name);
    expect(names).toContain("berth_process_resident_memory_bytes");
    const health = new HealthMonitor([], pino({ level: "silent" }));
    const debug = createDebugApp({ debug: { addr: ":5001", prometheus: { enabled: false, path: "/metrics" } }, health, metrics });
    await request(debug).get("/metrics").expect(404);
    await request(debug).get("/debug/health").expect(200, {});
  });
});
