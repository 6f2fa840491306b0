/** Robot (CI) tokens: scoped, pull-only or push, never in a user's namespace, revocable, expiring. */
import type { Express } from "express";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import type { SqliteMetadataStore } from "../metadata/sqlite.js";
import { hashPassword } from "./passwords.js";
import { basicAuth, securedRegistry } from "./testing.js";

async function lab(mode: "token" | "basic"): Promise<{ app: Express; metadata: SqliteMetadataStore }> {
  const { app, metadata } = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: mode, REGISTRY_AUTH_BERTH_REALM: "https://registry.test/auth/token" });
  for (const [name, role] of [["gordon", "admin"], ["ahab", "none"]] as const) {
    await metadata.access.createUser({ name, passwordHash: await hashPassword(`${name}-password`), role, source: "managed", fullName: "", active: true, createdAt: "" });
  }
  await metadata.access.createOrg("engineering", "");
  return { app, metadata };
}

async function robot(app: Express, name: string, scope: { kind: string; name: string }, access: string, expiresIn?: number): Promise<string> {
  const res = await request(app)
    .post("/api/v0/robots")
    .set("Authorization", basicAuth("gordon", "gordon-password"))
    .send({ name, scope, access, ...(expiresIn ? { expiresIn } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.secret as string;
}

describe("robot tokens", () => {
  let app: Express;
  let pusher: string;
  let puller: string;

  beforeAll(async () => {
    ({ app } = await lab("basic"));
    pusher = await robot(app, "ci", { kind: "namespace", name: "engineering" }, "push");
    puller = await robot(app, "deploy", { kind: "repository", name: "engineering/web" }, "pull");
  });

  const upload = (name: string, who: string, secret: string) => request(app).post(`/v2/${name}/blobs/uploads/`).set("Authorization", basicAuth(who, secret));

  it("push within their namespace, and nowhere else", async () => {
    expect((await upload("engineering/web", "robot$ci", pusher)).status).toBe(202);
    expect((await upload("engineering/api/v2", "robot$ci", pusher)).status).toBe(202);
    expect((await upload("ahab/boat", "robot$ci", pusher)).status).toBe(403);
    expect((await upload("other/web", "robot$ci", pusher)).status).toBe(403);
    expect((await upload("engineering/web", "robot$ci", "brt_wrong")).status).toBe(401);
    expect((await upload("engineering/web", "ci", pusher)).status).toBe(401);
  });

  it("pull-only robots pull their repository and push nothing", async () => {
    expect((await request(app).get("/v2/engineering/web/tags/list").set("Authorization", basicAuth("robot$deploy", puller))).status).toBe(404);
    expect((await request(app).get("/v2/engineering/api/tags/list").set("Authorization", basicAuth("robot$deploy", puller))).status).toBe(403);
    expect((await upload("engineering/web", "robot$deploy", puller)).status).toBe(403);
  });

  it("are refused as soon as they are revoked", async () => {
    const secret = await robot(app, "temp", { kind: "namespace", name: "engineering" }, "push");
    expect((await upload("engineering/web", "robot$temp", secret)).status).toBe(202);
    expect((await request(app).delete("/api/v0/robots/temp").set("Authorization", basicAuth("gordon", "gordon-password"))).body.revokedAt).toEqual(expect.any(String));
    expect((await upload("engineering/web", "robot$temp", secret)).status).toBe(401);
  });

  it("stop working when they expire", async () => {
    const secret = await robot(app, "brief", { kind: "namespace", name: "engineering" }, "push", 1);
    expect((await upload("engineering/web", "robot$brief", secret)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await upload("engineering/web", "robot$brief", secret)).status).toBe(401);
  });

  it("get tokens from the token service, which stop working on revocation", async () => {
    const { app: tokenApp } = await lab("token");
    const secret = await robot(tokenApp, "ci", { kind: "namespace", name: "engineering" }, "push");
    const res = await request(tokenApp)
      .get("/auth/token")
      .query({ service: "berth", scope: ["repository:engineering/web:pull,push", "repository:ahab/boat:pull,push"], offline_token: "true" })
      .set("Authorization", basicAuth("robot$ci", secret));
    expect(res.body.scope).toBe("repository:engineering/web:pull,push");
    const bearer = `Bearer ${res.body.token as string}`;
    expect((await request(tokenApp).post("/v2/engineering/web/blobs/uploads/").set("Authorization", bearer)).status).toBe(202);
    await request(tokenApp).delete("/api/v0/robots/ci").set("Authorization", basicAuth("gordon", "gordon-password")).expect(200);
    expect((await request(tokenApp).post("/v2/engineering/web/blobs/uploads/").set("Authorization", bearer)).status).toBe(401);
    const refreshed = await request(tokenApp).post("/auth/token").type("form").send({ grant_type: "refresh_token", refresh_token: res.body.refresh_token, service: "berth" });
    expect(refreshed.status).toBe(401);
  });
});
