/**
 * Webhooks from a real Berth process to real HTTP receivers on loopback: failures injected
 * (500s, answers after the timeout, receiver down then up), and Berth killed with -9 while
 * events are queued and while one is being delivered. Every event must arrive at every
 * endpoint, in order; exactly once when nothing was in flight at the kill, and otherwise
 * only repeated with the same id.
 */
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_MEDIA_TYPE, type NotificationEvent } from "../src/notifications/events.js";
import { TestReceiver } from "../src/notifications/test-receiver.js";
import { freePort, startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** What a push should produce: two blob events and one manifest event, in this order. */
interface Expected {
  action: string;
  digest: string;
}

/** Pushes config + layer + manifest over plain HTTP; returns the events it should produce. */
async function pushImage(berth: RunningRegistry, name: string, tag: string): Promise<Expected[]> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", nonce: randomBytes(8).toString("hex") }));
  const layer = randomBytes(2048);
  for (const blob of [config, layer]) {
    const res = await fetch(`${berth.url}/v2/${name}/blobs/uploads/?digest=${sha256(blob)}`, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body: blob,
    });
    expect(res.status, `blob upload to ${name}`).toBe(201);
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length }],
  });
  const res = await fetch(`${berth.url}/v2/${name}/manifests/${tag}`, { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: manifest });
  expect(res.status, `manifest push to ${name}:${tag}`).toBe(201);
  return [
    { action: "push", digest: sha256(config) },
    { action: "push", digest: sha256(layer) },
    { action: "push", digest: sha256(manifest) },
  ];
}

const summary = (events: NotificationEvent[]): Expected[] => events.map((event) => ({ action: event.action, digest: event.target.digest ?? "" }));

/** Events by id, first arrival order: what a receiver that dedupes by id keeps. */
function deduped(events: NotificationEvent[]): NotificationEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.id) && seen.add(event.id));
}

interface EndpointStatus {
  name: string;
  queued: number;
  failing: boolean;
  lastError: string | null;
  delivered: number;
}

async function status(berth: RunningRegistry): Promise<EndpointStatus[]> {
  const res = await fetch(`${berth.url}/api/v0/notifications`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { endpoints: EndpointStatus[] }).endpoints;
}

async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const flaky = new TestReceiver();
const steady = new TestReceiver();
const root = tempDir("ops-notify-data");
const work = tempDir("ops-notify-run");
let port = 0;
let berth: RunningRegistry | undefined;

function endpointsYaml(): string {
  return JSON.stringify([
    { name: "flaky", url: flaky.url, timeout: "300ms", threshold: 3, backoff: "150ms", headers: { Authorization: ["Bearer e2e"] } },
    { name: "steady", url: steady.url, timeout: "2s", threshold: 3, backoff: "150ms", ignore: { actions: ["pull"] } },
  ]);
}

async function start(): Promise<RunningRegistry> {
  berth = await startBerth({
    root,
    port,
    env: {
      REGISTRY_DATABASE_PATH: join(work, "berth.sqlite"),
      REGISTRY_NOTIFICATIONS_ENDPOINTS: endpointsYaml(),
      REGISTRY_LOG_LEVEL: "info",
    },
  });
  return berth;
}

/** kill -9: no drain, no clean close of the database. */
async function kill(running: RunningRegistry): Promise<void> {
  const exited = new Promise((resolve) => running.process.once("exit", resolve));
  running.process.kill("SIGKILL");
  await exited;
}

beforeAll(async () => {
  await flaky.start();
  await steady.start();
  port = await freePort();
  await start();
});

afterAll(async () => {
  await berth?.stop();
  await flaky.stop();
  await steady.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe("notifications from a running Berth", () => {
  const expected: Expected[] = [];

  it("delivers every event in order to both endpoints while one answers 500, then too late, then well", async () => {
    const running = berth!;
    flaky.mode = { kind: "status", status: 500 };
    for (let i = 0; i < 3; i++) expected.push(...(await pushImage(running, "ops/app", `v${i}`)));
    // A pull: the flaky endpoint wants it, the steady one ignores pulls.
    const pulled = await fetch(`${running.url}/v2/ops/app/manifests/v0`, { headers: { Accept: OCI_MANIFEST } });
    expect(pulled.status).toBe(200);
    const pull = { action: "pull", digest: pulled.headers.get("docker-content-digest") ?? "" };

    await steady.waitFor(() => steady.received().length >= expected.length);
    expect(summary(steady.received())).toEqual(expected);
    await eventually(async () => (await status(running)).find((e) => e.name === "flaky")?.failing === true, "flaky reported failing");
    const failing = (await status(running)).find((endpoint) => endpoint.name === "flaky");
    expect(failing).toMatchObject({ failing: true, lastError: "response status 500 Internal Server Error" });
    expect(failing?.queued).toBe(expected.length + 1);

    flaky.mode = { kind: "slow", delayMs: 600 };
    await flaky.waitFor(() => flaky.posts.some((post) => post.answered === 200));
    await eventually(async () => (await status(running)).find((e) => e.name === "flaky")?.lastError === "no answer within 300 ms", "timeout reported");
    flaky.mode = { kind: "ok" };
    await eventually(async () => (await status(running)).every((endpoint) => endpoint.queued === 0), "queues empty");

    expect(summary(deduped(flaky.received()))).toEqual([...expected, pull]);
    for (const post of flaky.posts) {
      expect(post.headers["content-type"]).toBe(EVENTS_MEDIA_TYPE);
      expect(post.headers.authorization).toBe("Bearer e2e");
    }
    // Each retry repeats the same events with the same ids.
    expect(new Set(flaky.received().map((event) => event.id)).size).toBe(expected.length + 1);
    expect(steady.received()).toHaveLength(expected.length);
    const manifestPush = steady.received()[2];
    expect(manifestPush).toMatchObject({ action: "push", target: { mediaType: OCI_MANIFEST, repository: "ops/app", tag: "v0" }, request: { method: "PUT" } });
    expect(manifestPush?.target.url).toBe(`${running.url}/v2/ops/app/manifests/${expected[2]?.digest}`);
    expected.push(pull);
  });

  it("keeps queued events across kill -9 and delivers each exactly once per endpoint after the restart", async () => {
    let running = berth!;
    const flakyBefore = flaky.received().length;
    const steadyBefore = steady.received().length;
    await flaky.stop();
    await steady.stop();
    const queued: Expected[] = [];
    for (let i = 0; i < 4; i++) queued.push(...(await pushImage(running, `ops/queued${i}`, "latest")));
    await eventually(async () => (await status(running)).every((endpoint) => endpoint.failing && endpoint.queued === queued.length), "both endpoints failing with everything queued");
    expect((await status(running))[0]?.lastError).toMatch(/ECONNREFUSED/);

    await kill(running);
    await flaky.start(flaky.port);
    await steady.start(steady.port);
    running = await start();
    await steady.waitFor(() => steady.received().length >= steadyBefore + queued.length, 20_000);
    await flaky.waitFor(() => flaky.received().length >= flakyBefore + queued.length, 20_000);
    await eventually(async () => (await status(running)).every((endpoint) => endpoint.queued === 0), "queues empty after restart");
    // Nothing was being delivered at the kill: no event may come twice.
    expect(summary(steady.received().slice(steadyBefore))).toEqual(queued);
    expect(summary(flaky.received().slice(flakyBefore))).toEqual(queued);
    expected.push(...queued);
  });

  it("after kill -9 in the middle of deliveries, every event still arrives, repeated at most with its id", async () => {
    let running = berth!;
    steady.mode = { kind: "slow", delayMs: 150 };
    const steadyBefore = steady.received().length;
    const pushed: Expected[] = [];
    for (let i = 0; i < 4; i++) pushed.push(...(await pushImage(running, `ops/midway${i}`, "latest")));
    // Kill while the slow receiver has some of them and is answering others.
    await steady.waitFor(() => steady.received().length > steadyBefore, 10_000);
    await kill(running);
    steady.mode = { kind: "ok" };
    running = await start();
    await eventually(async () => (await status(running)).every((endpoint) => endpoint.queued === 0), "queues empty after restart");
    const arrived = steady.received().slice(steadyBefore);
    expect(summary(deduped(arrived))).toEqual(pushed);
    // Repeats are whole batches the receiver got just before the kill, never new ids.
    expect(arrived.length - deduped(arrived).length).toBeLessThanOrEqual(50);
    expect(summary(deduped(flaky.received())).slice(-pushed.length)).toEqual(pushed);
  });
});
