/**
 * A real Berth process with the debug server on: Prometheus metrics scraped and parsed,
 * health flipping to unhealthy (and /v2 to 503) when the storage root goes away and back,
 * `berth healthcheck`, http.headers on every answer, and text logs with fields.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition, total, type Sample } from "../src/metrics/exposition.js";
import { freePort, PROJECT_ROOT, startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

const root = tempDir("ops-health-data");
const work = tempDir("ops-health-run");
let berth: RunningRegistry | undefined;
let debugUrl = "";
let env: Record<string, string> = {};

function running(): RunningRegistry {
  if (!berth) throw new Error("Berth did not start (see beforeAll)");
  return berth;
}

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${debugUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  return parseExposition(await res.text());
}

async function pushImage(name: string, tag: string): Promise<string> {
  const { url } = running();
  const config = Buffer.from(JSON.stringify({ os: "linux", nonce: randomBytes(4).toString("hex") }));
  const layer = randomBytes(100_000);
  for (const blob of [config, layer]) {
    const res = await fetch(`${url}/v2/${name}/blobs/uploads/?digest=${sha256(blob)}`, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: blob });
    expect(res.status).toBe(201);
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length }],
  });
  const res = await fetch(`${url}/v2/${name}/manifests/${tag}`, { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: manifest });
  expect(res.status).toBe(201);
  return sha256(layer);
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `berth healthcheck` with the server's configuration; resolves with its exit code and output. */
function healthcheck(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(PROJECT_ROOT, "dist", "src", "main.js"), "healthcheck"], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  const debugPort = await freePort();
  debugUrl = `http://127.0.0.1:${debugPort}`;
  env = {
    REGISTRY_HTTP_ADDR: `127.0.0.1:${port}`,
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root,
    REGISTRY_DATABASE_PATH: join(work, "berth.sqlite"),
    REGISTRY_HTTP_DEBUG_ADDR: `127.0.0.1:${debugPort}`,
    REGISTRY_HTTP_DEBUG_PROMETHEUS_ENABLED: "true",
    REGISTRY_HTTP_HEADERS: "{X-Content-Type-Options: [nosniff], X-Frame-Options: [DENY]}",
    REGISTRY_HEALTH_STORAGEDRIVER_ENABLED: "true",
    REGISTRY_HEALTH_STORAGEDRIVER_INTERVAL: "200ms",
    REGISTRY_HEALTH_STORAGEDRIVER_THRESHOLD: "2",
    REGISTRY_LOG_LEVEL: "info",
    REGISTRY_LOG_FORMATTER: "text",
    REGISTRY_LOG_FIELDS: "{environment: e2e}",
  };
  berth = await startBerth({ root, port, env });
});

afterAll(async () => {
  await berth?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe("operating a running Berth", () => {
  it("adds http.headers to every answer: API, errors, unknown paths, probes", async () => {
    const { url } = running();
    for (const path of ["/v2/", "/v2/nope/manifests/latest", "/v2/_catalog", "/no/such/path", "/healthz", "/readyz"]) {
      const res = await fetch(`${url}${path}`);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
    }
    const upload = await fetch(`${url}/v2/headers/blobs/uploads/`, { method: "POST" });
    expect(upload.status).toBe(202);
    expect(upload.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("serves Prometheus metrics on the debug address whose counters move with the traffic", async () => {
    const before = await scrape();
    const layer = await pushImage("metrics/app", "v1");
    const blob = await fetch(`${running().url}/v2/metrics/app/blobs/${layer}`);
    expect((await blob.arrayBuffer()).byteLength).toBe(100_000);
    // A request is counted when its answer is handed to the kernel, which may be just after the client has it.
    let after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
    for (let tries = 0; tries < 50 && moved("registry_http_requests_total", { handler: "blob", method: "GET" }) === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await scrape();
    }
    expect(moved("registry_http_requests_total", { handler: "manifest", method: "PUT", code: "201" })).toBe(1);
    expect(moved("registry_http_requests_total", { handler: "blob_upload", method: "POST", code: "201" })).toBe(2);
    expect(moved("registry_http_requests_total", { handler: "blob", method: "GET", code: "200" })).toBe(1);
    expect(moved("registry_http_request_duration_seconds_count", { handler: "blob" })).toBe(1);
    expect(moved("berth_http_received_bytes_total", { handler: "blob_upload" })).toBeGreaterThan(100_000);
    expect(moved("berth_http_sent_bytes_total", { handler: "blob" })).toBeGreaterThan(100_000);
    expect(moved("berth_upload_sessions_total", { event: "completed" })).toBe(2);
    expect(moved("registry_storage_action_seconds_count", { driver: "filesystem", action: "putContent" })).toBeGreaterThan(0);
    expect(total(after, "berth_storage_errors_total", { driver: "filesystem", error: "PathNotFoundError" })).toBeGreaterThan(0);
    expect(total(after, "berth_process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
  });

  it("turns unhealthy when the storage root is replaced by a file — /v2 answers 503 at once — and recovers when it is back", async () => {
    const { url } = running();
    expect((await fetch(`${debugUrl}/debug/health`)).status).toBe(200);
    expect(await (await fetch(`${debugUrl}/debug/health`)).json()).toEqual({});
    expect((await healthcheck()).code).toBe(0);

    // CI runs as root, where chmod 000 stops nothing: move the root away and put a file there.
    renameSync(root, `${root}.away`);
    writeFileSync(root, "not a registry");
    try {
      await eventually(async () => (await fetch(`${url}/readyz`)).status === 503, "/readyz 503");
      const health = await fetch(`${debugUrl}/debug/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ storagedriver_filesystem: "the storage root is missing, but the metadata index lists repositories" });
      const started = Date.now();
      const refused = await fetch(`${url}/v2/metrics/app/manifests/v1`);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe("UNAVAILABLE");
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const check = await healthcheck();
      expect(check.code).toBe(1);
      expect(check.output).toContain("storagedriver_filesystem");
    } finally {
      rmSync(root, { force: true });
      renameSync(`${root}.away`, root);
    }
    await eventually(async () => (await fetch(`${url}/readyz`)).status === 200, "/readyz 200 again");
    expect((await fetch(`${url}/v2/metrics/app/manifests/v1`, { headers: { Accept: OCI_MANIFEST } })).status).toBe(200);
    await pushImage("metrics/after", "v1");
  });

  it("writes text log lines with the configured fields", () => {
    const lines = readFileSync(running().logFile, "utf8").split("\n").filter(Boolean);
    const listening = lines.find((line) => line.includes('msg="berth listening"'));
    expect(listening).toMatch(/^time=\S+ level=info msg="berth listening" /);
    expect(listening).toContain(" environment=e2e");
    expect(lines.some((line) => /level=error msg="health check failing" check=storagedriver_filesystem/.test(line))).toBe(true);
    expect(lines.some((line) => / method=PUT /.test(line) && / status=201 /.test(line))).toBe(true);
  });
});
