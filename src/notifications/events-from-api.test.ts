/** The /v2 handlers store registry:2 events in the outbox: what, for which actions, with which fields. */
import { pino } from "pino";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createDriver } from "../../storage-drivers/index.js";
import { createApp } from "../app.js";
import { loadConfig } from "../config/index.js";
import type { NotificationEndpointConfig } from "../config/types.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { Registry } from "../registry/registry.js";
import { pushBlob, pushImage, sha256 } from "../test-support.js";
import type { NotificationEvent } from "./events.js";
import { Notifier } from "./notifier.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

function endpoint(overrides: Partial<NotificationEndpointConfig> = {}): NotificationEndpointConfig {
  return { name: "hook", url: "http://127.0.0.1:9/", disabled: false, headers: {}, timeout: 1000, threshold: 10, backoff: 1000, ignore: { mediatypes: [], actions: [] }, ...overrides };
}

async function fixture(endpoints: NotificationEndpointConfig[] = [endpoint()], includeReferences = false) {
  const config = loadConfig({ env: {} });
  config.storage.delete.enabled = true;
  config.log.accesslog.disabled = true;
  config.notifications = { events: { includereferences: includeReferences }, endpoints };
  const metadata = new SqliteMetadataStore(":memory:");
  await metadata.outbox.syncEndpoints(endpoints.filter((entry) => !entry.disabled).map((entry) => entry.name));
  const notifier = new Notifier({ config, outbox: metadata.outbox, instanceId: "instance-1" });
  const registry = new Registry(createDriver("inmemory", {}), metadata, notifier);
  const app = createApp({ config, registry, logger: pino({ level: "silent" }) });
  const events = async (name = "hook"): Promise<NotificationEvent[]> => (await metadata.outbox.pending(name, 1000)).map((entry) => entry.event);
  return { app, metadata, events };
}

describe("events from the /v2 API", () => {
  it("a push stores one event per blob and one for the manifest, with registry:2's fields", async () => {
    const { app, events } = await fixture();
    const image = await pushImage(app, "team/app", "v1");
    const stored = await events();
    expect(stored.map((event) => [event.action, event.target.mediaType, event.target.digest])).toEqual([
      ["push", "application/octet-stream", image.config],
      ["push", "application/octet-stream", image.layer],
      ["push", OCI_MANIFEST, image.digest],
    ]);
    const manifest = stored[2];
    expect(manifest?.target).toMatchObject({ repository: "team/app", tag: "v1", size: image.manifest.length, length: image.manifest.length });
    expect(manifest?.target.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/v2/team/app/manifests/${image.digest}$`));
    expect(manifest?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(manifest?.timestamp ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(manifest?.request).toMatchObject({ method: "PUT", host: expect.stringMatching(/^127\.0\.0\.1:\d+$/), addr: expect.stringMatching(/:\d+$/) });
    expect(manifest?.request.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(manifest?.actor).toEqual({});
    expect(manifest?.source).toEqual({ addr: expect.stringMatching(/:5000$/), instanceID: "instance-1" });
    expect(stored[0]?.target).toMatchObject({ repository: "team/app", size: expect.any(Number) });
    expect(new Set(stored.map((event) => event.id)).size).toBe(3);
  });

  it("pulls (GET, not HEAD) store pull events; by tag the event names the tag", async () => {
    const { app, events } = await fixture();
    const image = await pushImage(app, "app", "latest");
    const before = (await events()).length;
    await request(app).head("/v2/app/manifests/latest").expect(200);
    await request(app).head(`/v2/app/blobs/${image.layer}`).expect(200);
    await request(app).get("/v2/app/manifests/latest").set("User-Agent", "docker/27").expect(200);
    await request(app).get(`/v2/app/manifests/${image.digest}`).expect(200);
    await request(app).get(`/v2/app/blobs/${image.layer}`).expect(200);
    const pulls = (await events()).slice(before);
    expect(pulls.map((event) => [event.action, event.target.digest, event.target.tag])).toEqual([
      ["pull", image.digest, "latest"],
      ["pull", image.digest, undefined],
      ["pull", image.layer, undefined],
    ]);
    expect(pulls[0]?.request).toMatchObject({ method: "GET", useragent: "docker/27" });
    expect(pulls[2]?.target.url).toMatch(new RegExp(`/v2/app/blobs/${image.layer}$`));
  });

  it("deletes of a tag, a manifest and a blob store delete events; a mount stores a mount event", async () => {
    const { app, events } = await fixture();
    const image = await pushImage(app, "source", "v1");
    await request(app).post(`/v2/target/blobs/uploads/?mount=${image.layer}&from=source`).expect(201);
    const before = (await events()).length;
    await request(app).delete("/v2/source/manifests/v1").expect(202);
    await request(app).delete(`/v2/source/manifests/${image.digest}`).expect(202);
    await request(app).delete(`/v2/source/blobs/${image.config}`).expect(202);
    const stored = await events();
    expect(stored[before - 1]).toMatchObject({ action: "mount", target: { repository: "target", digest: image.layer, fromRepository: "source", size: expect.any(Number) } });
    expect(stored.slice(before).map((event) => event.target)).toEqual([
      { repository: "source", tag: "v1" },
      { repository: "source", digest: image.digest },
      { repository: "source", digest: image.config },
    ]);
    expect(stored.slice(before).every((event) => event.action === "delete" && event.request.method === "DELETE")).toBe(true);
  });

  it("a refused push or delete stores nothing", async () => {
    const { app, events } = await fixture();
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256("missing"), size: 7 }, layers: [] });
    await request(app).put("/v2/app/manifests/v1").set("Content-Type", OCI_MANIFEST).send(manifest).expect(400);
    await request(app).delete("/v2/app/manifests/nope").expect(404);
    await request(app).post(`/v2/app/blobs/uploads/?digest=${sha256("other")}`).set("Content-Type", "application/octet-stream").send(Buffer.from("data")).expect(400);
    expect(await events()).toEqual([]);
  });

  it("writes nothing an endpoint ignores, nothing for disabled endpoints, and references when asked", async () => {
    const ignoring = await fixture([endpoint({ ignore: { actions: ["pull"], mediatypes: ["application/octet-stream"] } })]);
    await pushImage(ignoring.app, "app", "v1");
    await request(ignoring.app).get("/v2/app/manifests/v1").expect(200);
    expect((await ignoring.events()).map((event) => `${event.action} ${event.target.mediaType}`)).toEqual([`push ${OCI_MANIFEST}`]);

    const disabled = await fixture([endpoint({ disabled: true })]);
    await pushImage(disabled.app, "app", "v1");
    expect(await disabled.metadata.outbox.state("hook", { actions: [], mediaTypes: [] })).toMatchObject({ queued: 0 });

    const references = await fixture([endpoint()], true);
    const image = await pushImage(references.app, "app", "v1");
    const pushed = (await references.events()).find((event) => event.target.mediaType === OCI_MANIFEST);
    expect(pushed?.target.references?.map((reference) => reference.digest)).toEqual([image.config, image.layer]);
  });

  it("a push by digest with ?tag= stores one event per tag", async () => {
    const { app, events } = await fixture();
    const config = await pushBlob(app, "app", "{}");
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 2 }, layers: [] });
    const digest = sha256(manifest);
    await request(app).put(`/v2/app/manifests/${digest}?tag=a&tag=b`).set("Content-Type", OCI_MANIFEST).send(manifest).expect(201);
    const pushes = (await events()).filter((event) => event.target.mediaType === OCI_MANIFEST);
    expect(pushes.map((event) => event.target.tag)).toEqual(["a", "b"]);
  });
});
