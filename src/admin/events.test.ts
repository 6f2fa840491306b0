/** The event log: activity recorded from the /v2 API (on success only), merged with the audit log, filtered and paged; settings views. */
import type { Express } from "express";
import { pino } from "pino";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { createDriver } from "../../storage-drivers/index.js";
import { createApp } from "../app.js";
import { hashPassword } from "../auth/passwords.js";
import { createAccessControl } from "../auth/setup.js";
import { basicAuth } from "../auth/testing.js";
import { loadConfig } from "../config/index.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { NO_EVENTS } from "../notifications/registry-events.js";
import { Registry } from "../registry/registry.js";
import { pushImage } from "../test-support.js";
import { ActivityRecorder } from "./activity-recorder.js";
import type { EventView } from "./events.js";

let app: Express;
let open: Express;
let metadata: SqliteMetadataStore;
const admin = basicAuth("gordon", "gordon-password");

/** Activity is written after the response: wait until the log has `count` entries. */
async function activityCount(count: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await metadata.activity.list({ limit: 1000 })).length >= count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function events(query: string): Promise<{ events: EventView[]; next: string | null }> {
  const res = await request(app).get(`/api/v0/events${query}`).set("Authorization", admin).expect(200);
  return res.body as { events: EventView[]; next: string | null };
}

beforeAll(async () => {
  const config = loadConfig({ env: { REGISTRY_AUTH_BERTH_MODE: "basic" } });
  config.storage.delete.enabled = true;
  config.log.accesslog.disabled = true;
  config.database.path = ":memory:";
  config.ldap = {
    url: "ldap://127.0.0.1:1", starttls: false, tls: { insecureskipverify: false }, binddn: "cn=admin,dc=x", bindpassword: "very-secret",
    userbasedn: "ou=people,dc=x", loginattribute: "uid", userfilter: "(objectClass=person)", groupmemberattribute: "memberUid",
    syncinterval: 600_000, defaultrole: "none", timeout: 1000,
  };
  metadata = new SqliteMetadataStore(":memory:");
  const logger = pino({ level: "silent" });
  const registry = new Registry(createDriver("inmemory", {}), metadata, new ActivityRecorder(NO_EVENTS, metadata.activity, (error) => {
    throw error;
  }));
  const access = await createAccessControl({ config, metadata, logger });
  app = createApp({ config, registry, logger, access });
  open = createApp({ config, registry, logger });
  for (const [name, role] of [["gordon", "admin"], ["ahab", "none"]] as const) {
    await metadata.access.createUser({ name, passwordHash: await hashPassword(`${name}-password`), role, source: "managed", fullName: "", active: true, createdAt: "" });
  }
  await request(app).post("/api/v0/orgs").set("Authorization", admin).send({ name: "engineering" }).expect(201);
  await pushImage(open, "engineering/app", "v1");
  await request(open).get("/v2/engineering/app/manifests/v1").set("Accept", "application/vnd.oci.image.manifest.v1+json").expect(200);
  await request(open).head("/v2/engineering/app/manifests/v1").set("Accept", "application/vnd.oci.image.manifest.v1+json").expect(200);
  await request(open).get("/v2/engineering/app/manifests/nope").set("Accept", "application/vnd.oci.image.manifest.v1+json").expect(404);
  await request(open).delete("/v2/engineering/app/manifests/v1").expect(202);
  await request(app).post("/api/v0/session").send({ username: "ahab", password: "ahab-password" }).expect(201);
  await activityCount(3);
});

describe("the event log", () => {
  it("records pushes, GET pulls and deletes that succeeded, with the tag", async () => {
    const entries = await metadata.activity.list({ limit: 100 });
    expect(entries.map((entry) => [entry.kind, entry.repository, entry.tag])).toEqual([
      ["delete", "engineering/app", "v1"],
      ["pull", "engineering/app", "v1"],
      ["push", "engineering/app", "v1"],
    ]);
    expect(entries[2]?.digest).toMatch(/^sha256:/);
  });

  it("merges activity with sign-ins and admin actions, newest first, filterable", async () => {
    const all = await events("");
    expect(all.events.map((event) => event.kind)).toEqual(["login", "delete", "pull", "push", "admin"]);
    expect(all.next).toBeNull();
    expect((await events("?kind=login")).events).toEqual([expect.objectContaining({ kind: "login", actor: "ahab", action: "portal.signin" })]);
    expect((await events("?kind=admin")).events).toEqual([expect.objectContaining({ kind: "admin", actor: "gordon", action: "org.create", target: "engineering" })]);
    expect((await events("?kind=push&repository=engineering/app")).events).toHaveLength(1);
    expect((await events("?repository=other/app")).events).toEqual([]);
    expect((await events("?actor=ahab")).events.map((event) => event.kind)).toEqual(["login"]);
  });

  it("pages through both logs without losing or repeating an entry", async () => {
    const seen: string[] = [];
    let before: string | null = "";
    for (let page = 0; page < 10 && before !== null; page++) {
      const result = await events(`?n=2${before ? `&before=${before}` : ""}`);
      seen.push(...result.events.map((event) => event.id));
      before = result.next;
    }
    expect(before).toBeNull();
    expect(seen).toEqual((await events("")).events.map((event) => event.id));
  });

  it("refuses bad filters and non-administrators", async () => {
    await request(app).get("/api/v0/events?kind=everything").set("Authorization", admin).expect(400);
    await request(app).get("/api/v0/events?n=0").set("Authorization", admin).expect(400);
    await request(app).get("/api/v0/events?before=x").set("Authorization", admin).expect(400);
    await request(app).get("/api/v0/events").set("Authorization", basicAuth("ahab", "ahab-password")).expect(403);
  });
});

describe("docker login in the event log", () => {
  it("records a token-service login asking for an offline token (what docker login does), not other token requests", async () => {
    const { securedRegistry } = await import("../auth/testing.js");
    const secured = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: "token" });
    await secured.metadata.access.createUser({ name: "orca", passwordHash: await hashPassword("orca-password"), role: "none", source: "managed", fullName: "", active: true, createdAt: "" });
    const basic = basicAuth("orca", "orca-password");
    await request(secured.app).get("/auth/token?service=berth&scope=repository:orca/app:pull").set("Authorization", basic).expect(200);
    expect((await secured.metadata.access.listAudit(10)).filter((entry) => entry.action === "registry.login")).toEqual([]);
    await request(secured.app).get("/auth/token?service=berth&offline_token=true").set("Authorization", basic).expect(200);
    const logins = (await secured.metadata.access.listAudit(10)).filter((entry) => entry.action === "registry.login");
    expect(logins).toEqual([expect.objectContaining({ actor: "orca", target: "orca" })]);
  });
});

describe("settings views", () => {
  it("shows the login method and LDAP fields, never the bind password", async () => {
    const res = await request(app).get("/api/v0/settings/auth").set("Authorization", admin).expect(200);
    expect(res.body).toMatchObject({ method: "berth", berth: { mode: "basic", createOnPush: true }, ldap: { url: "ldap://127.0.0.1:1", loginattribute: "uid" } });
    expect(JSON.stringify(res.body)).not.toContain("very-secret");
    await request(app).get("/api/v0/settings/auth").set("Authorization", basicAuth("ahab", "ahab-password")).expect(403);
  });

  it("shows the storage driver and probes it", async () => {
    const res = await request(app).get("/api/v0/settings/storage").set("Authorization", admin).expect(200);
    expect(res.body).toMatchObject({ driver: "inmemory", deleteEnabled: true, probe: { healthy: true }, healthChecks: { configured: false } });
  });
});
