import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { pino } from "pino";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createDriver } from "../../storage-drivers/index.js";
import { createApp } from "../app.js";
import { loadConfig } from "../config/index.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { Registry } from "../registry/registry.js";
import { configuredChecks, fileCheck, storageCheck, tcpCheck } from "./checks.js";
import { HealthMonitor, type HealthCheck } from "./monitor.js";
import { debugHealthRouter } from "./routes.js";
import express from "express";

const logger = pino({ level: "silent" });

function check(run: () => Promise<void>, overrides: Partial<HealthCheck> = {}): HealthCheck {
  return { name: "test", interval: 60_000, threshold: 0, timeout: 200, run, ...overrides };
}

describe("HealthMonitor", () => {
  it("fails a check after `threshold` failures in a row and recovers on the first success", async () => {
    let fail = true;
    const monitor = new HealthMonitor([check(async () => (fail ? Promise.reject(new Error("boom")) : undefined), { threshold: 2 })], logger);
    await monitor.runAll();
    expect(monitor.failures()).toEqual({});
    await monitor.runAll();
    expect(monitor.failures()).toEqual({ test: "boom" });
    expect(monitor.healthy()).toBe(false);
    fail = false;
    await monitor.runAll();
    expect(monitor.failures()).toEqual({});
  });

  it("never waits on a check that hangs: it fails after its timeout and is not started twice", async () => {
    let started = 0;
    const monitor = new HealthMonitor([check(() => (started++, new Promise<void>(() => undefined)), { timeout: 50 })], logger);
    const before = Date.now();
    await monitor.runAll();
    expect(Date.now() - before).toBeLessThan(1_000);
    expect(monitor.failures()).toEqual({ test: "no answer within 50 ms" });
    await monitor.runAll();
    expect(started).toBe(1);
    expect(monitor.failures().test).toMatch(/still running/);
  });

  it("has registry:2's manual switch", () => {
    const monitor = new HealthMonitor([], logger);
    monitor.setManualDown(true);
    expect(monitor.failures()).toEqual({ manual_http_status: "Manual Check" });
    monitor.setManualDown(false);
    expect(monitor.healthy()).toBe(true);
  });
});

describe("checks", () => {
  it("storage: healthy on a new root; failing when the root is gone, empty or a file while the index lists repositories", async () => {
    const base = mkdtempSync(join(tmpdir(), "berth-health-"));
    const root = join(base, "root");
    const driver = createDriver("filesystem", { rootdirectory: root });
    let indexed = false;
    const storage = storageCheck(driver, { enabled: true, interval: 1_000, threshold: 0 }, async () => indexed);
    expect(storage.name).toBe("storagedriver_filesystem");
    await storage.run(); // a new registry: no root yet
    mkdirSync(join(root, "docker"), { recursive: true });
    indexed = true;
    await storage.run();
    // CI runs the tests as root, and chmod 000 does not stop root: put a file where the root was.
    renameSync(root, `${root}.away`);
    writeFileSync(root, "not a directory");
    await expect(storage.run()).rejects.toThrow("the storage root is missing, but the metadata index lists repositories");
    rmSync(root);
    mkdirSync(root); // an empty volume mounted over the data
    await expect(storage.run()).rejects.toThrow(/is empty/);
    rmSync(root, { recursive: true });
    renameSync(`${root}.away`, root);
    await storage.run();
    rmSync(base, { recursive: true, force: true });
  });

  it("storage: a driver call that hangs fails the check after its timeout", async () => {
    const hanging = { ...createDriver("inmemory", {}), name: "hanging", list: () => new Promise<string[]>(() => undefined) };
    const monitor = new HealthMonitor([{ ...storageCheck(hanging, { enabled: true, interval: 100, threshold: 0 }) }], logger);
    await monitor.runAll();
    expect(monitor.failures()).toEqual({ storagedriver_hanging: "no answer within 100 ms" });
  });

  it("file: failing while the file exists (registry:2's maintenance switch)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "berth-health-")), "down");
    const down = fileCheck({ file: path, interval: 1_000 });
    await down.run();
    writeFileSync(path, "");
    await expect(down.run()).rejects.toThrow("file exists");
  });

  it("tcp: passing while something listens, failing otherwise", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const port = (server.address() as { port: number }).port;
    const tcp = tcpCheck({ addr: `127.0.0.1:${port}`, timeout: 1_000, interval: 1_000, threshold: 0 });
    await tcp.run();
    await new Promise((resolve) => server.close(resolve));
    await expect(tcp.run()).rejects.toThrow(/failed/);
  });

  it("the configured set: storage only when enabled, the database always", () => {
    const config = loadConfig({ env: {} });
    const metadata = new SqliteMetadataStore(":memory:");
    const driver = createDriver("inmemory", {});
    expect(configuredChecks(config.health, driver, metadata).map((c) => c.name)).toEqual(["database"]);
    config.health.storagedriver.enabled = true;
    config.health.file = [{ file: "/x", interval: 1 }];
    expect(configuredChecks(config.health, driver, metadata).map((c) => c.name)).toEqual(["storagedriver_inmemory", "database", "/x"]);
  });
});

describe("health over HTTP", () => {
  function app(failing: Record<string, string>) {
    const config = loadConfig({ env: {} });
    config.http.headers = { "X-Content-Type-Options": ["nosniff"] };
    config.log.accesslog.disabled = true;
    const health = { failures: () => failing, setManualDown: () => undefined } as unknown as HealthMonitor;
    const registry = new Registry(createDriver("inmemory", {}), new SqliteMetadataStore(":memory:"));
    return createApp({ config, registry, logger, health });
  }

  it("while a check fails: /v2 answers 503 UNAVAILABLE at once, /readyz 503 with the checks, /healthz 200", async () => {
    const unhealthy = app({ storagedriver_filesystem: "the storage root is not a directory" });
    const res = await request(unhealthy).get("/v2/library/app/manifests/latest").expect(503);
    expect(res.body.errors[0]).toMatchObject({ code: "UNAVAILABLE", detail: { storagedriver_filesystem: "the storage root is not a directory" } });
    await request(unhealthy).get("/v2/").expect(503);
    const ready = await request(unhealthy).get("/readyz").expect(503);
    expect(ready.body).toEqual({ status: "unavailable", checks: { storagedriver_filesystem: "the storage root is not a directory" } });
    await request(unhealthy).get("/healthz").expect(200, { status: "ok" });
  });

  it("when healthy: /readyz 200, /v2 served; configured headers on every answer", async () => {
    const healthy = app({});
    for (const path of ["/readyz", "/healthz", "/v2/", "/v2/nope/manifests/x", "/no-such-path"]) {
      const res = await request(healthy).get(path);
      expect(res.headers["x-content-type-options"], path).toBe("nosniff");
    }
    await request(healthy).get("/readyz").expect(200, { status: "ready" });
  });

  it("/debug/health answers registry:2's shape", async () => {
    const monitor = new HealthMonitor([check(async () => Promise.reject(new Error("disk gone")), { name: "storagedriver_filesystem" })], logger);
    const debug = express().use(debugHealthRouter(monitor));
    await request(debug).get("/debug/health").expect(200, {});
    await monitor.runAll();
    await request(debug).get("/debug/health").expect(503, { storagedriver_filesystem: "disk gone" });
    await request(debug).post("/debug/health/down").expect(200);
    expect((await request(debug).get("/debug/health").expect(503)).body).toMatchObject({ manual_http_status: "Manual Check" });
    await request(debug).post("/debug/health/up").expect(200);
  });
});
