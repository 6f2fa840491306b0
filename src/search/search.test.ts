/**
 * Search through the HTTP API: /api/v0/search and Docker's /v1/search, ranked and filtered
 * exactly as the catalog is, for every access controller — the DTR lab with Berth's token
 * service (as dockerd authenticates: identity token → Bearer, stored password → Basic,
 * logged out → nothing or an empty Basic), anonymous pull on and off, htpasswd, and no auth.
 */
import bcrypt from "bcryptjs";
import type { Express } from "express";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAB_USERS, labCalls } from "../access/lab-fixture.js";
import { hashPassword } from "../auth/passwords.js";
import { basicAuth, securedRegistry, type SecuredRegistry } from "../auth/testing.js";
import { pushImage } from "../test-support.js";

const STORED = ["engineering/barca", "engineering/madrid", "engineering/docs", "ahab/sandbox"];
const gordon = basicAuth("gordon", LAB_USERS.gordon?.password ?? "");
const ahab = basicAuth("ahab", LAB_USERS.ahab?.password ?? "");

async function lab(env: Record<string, string>): Promise<SecuredRegistry> {
  const registry = await securedRegistry({ REGISTRY_AUTH_BERTH_REALM: "https://registry.test/auth/token", ...env });
  await registry.metadata.access.createUser({
    name: "gordon", passwordHash: await hashPassword(LAB_USERS.gordon?.password ?? ""), role: "admin", source: "managed", fullName: "", active: true, createdAt: "",
  });
  for (const call of labCalls()) {
    const method = call.method === "POST" ? "post" : call.method === "PUT" ? "put" : "patch";
    const res = await request(registry.app)[method](`/api/v0${call.path}`).set("Authorization", gordon).send(call.body ?? {});
    expect(res.status, `${call.method} ${call.path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  }
  for (const name of STORED) await pushImage(registry.open, name, "latest");
  return registry;
}

async function apiSearch(app: Express, query: Record<string, string>, authorization?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const req = request(app).get("/api/v0/search").query(query);
  const res = await (authorization ? req.set("Authorization", authorization) : req);
  return { status: res.status, body: res.body as Record<string, unknown> };
}

async function apiNames(app: Express, q: string, authorization?: string): Promise<string[]> {
  const res = await apiSearch(app, { q }, authorization);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.results as { name: string }[]).map((entry) => entry.name);
}

async function dockerSearch(app: Express, query: Record<string, string>, authorization?: string) {
  const req = request(app).get("/v1/search").query(query).set("X-Docker-Token", "true");
  return authorization ? req.set("Authorization", authorization) : req;
}

async function dockerNames(app: Express, q: string, authorization?: string): Promise<string[]> {
  const res = await dockerSearch(app, { q, n: "100" }, authorization);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.results as { name: string }[]).map((entry) => entry.name);
}

/** What dockerd does with the identity token `docker login` kept: trade it for a registry:catalog:search token. */
async function bearerAsDockerd(app: Express, user: string, password: string): Promise<string> {
  const login = await request(app).get("/auth/token").query({ service: "berth", offline_token: "true", client_id: "docker" }).set("Authorization", basicAuth(user, password)).expect(200);
  const refresh = login.body.refresh_token as string;
  const search = await request(app)
    .post("/auth/token")
    .type("form")
    .send({ grant_type: "refresh_token", refresh_token: refresh, service: "berth", scope: "registry:catalog:search", client_id: "docker" })
    .expect(200);
  return `Bearer ${search.body.access_token as string}`;
}

describe("search with Berth's token service (DTR lab)", () => {
  let registry: SecuredRegistry;
  let app: Express;

  beforeAll(async () => {
    registry = await lab({ REGISTRY_AUTH_BERTH_MODE: "token" });
    app = registry.app;
    await request(app).patch("/api/v0/repositories/engineering/docs").set("Authorization", gordon).send({ description: "The engineering handbook" }).expect(200);
  });

  it("hides a private repository from an outsider and shows it to a team member with a grant", async () => {
    // ahab (no global role): frontend's grant on madrid, his own namespace, the public docs; not barca (core only).
    expect((await apiNames(app, "", ahab)).sort()).toEqual(["ahab/sandbox", "engineering/docs", "engineering/madrid"]);
    expect(await apiNames(app, "barca", ahab)).toEqual([]);
    const orca = basicAuth("orca", LAB_USERS.orca?.password ?? "");
    expect(await apiNames(app, "barca", orca)).toEqual(["engineering/barca"]);
    expect((await apiNames(app, "engineering", gordon)).sort()).toEqual(["engineering/barca", "engineering/docs", "engineering/madrid"]);
  });

  it("shows public repositories to anonymous callers (auth.berth.anonymous on)", async () => {
    expect(await apiNames(app, "")).toEqual(["engineering/docs"]);
    expect(await apiNames(app, "madrid")).toEqual([]);
  });

  it("answers with ranked results, their description, visibility, namespace and match, and the total the caller may see", async () => {
    await pushImage(registry.open, "madrid-tools", "v1");
    await request(app).post("/api/v0/repositories").set("Authorization", gordon).send({ name: "tools/madrid", visibility: "public", description: "Madrid's scripts" }).expect(201);
    const res = await apiSearch(app, { q: "madrid" }, gordon);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      query: "madrid",
      total: 3,
      offset: 0,
      limit: 25,
      results: [
        { name: "tools/madrid", namespace: "tools", description: "Madrid's scripts", visibility: "public", match: "basename" },
        { name: "engineering/madrid", namespace: "engineering", description: "", visibility: "private", match: "basename" },
        { name: "madrid-tools", namespace: null, description: "", visibility: "private", match: "prefix" },
      ],
    });
    // A page further on; the total is unchanged, and for ahab hidden matches do not count.
    const second = await apiSearch(app, { q: "madrid", limit: "1", offset: "1" }, gordon);
    expect((second.body.results as { name: string }[]).map((entry) => entry.name)).toEqual(["engineering/madrid"]);
    expect(second.body.total).toBe(3);
    expect((await apiSearch(app, { q: "madrid" }, ahab)).body.total).toBe(2);
    expect(await apiNames(app, "handbook")).toEqual(["engineering/docs"]);
  });

  it("never shows a soft-deleted repository, even while its settings stay for a restore", async () => {
    await request(app).post("/api/v0/repositories").set("Authorization", gordon).send({ name: "engineering/retired", description: "Old tooling" }).expect(201);
    await pushImage(registry.open, "engineering/retired", "latest");
    await pushImage(registry.open, "engineering/gone", "latest");
    expect(await apiNames(app, "old tooling", gordon)).toEqual(["engineering/retired"]);
    const deleted = await request(app).delete("/api/v0/repositories/engineering/retired").set("Authorization", gordon).expect(202);
    await request(app).delete("/api/v0/repositories/engineering/gone").set("Authorization", gordon).expect(202);
    for (const term of ["retired", "old tooling", "gone"]) {
      expect(await apiNames(app, term, gordon), term).toEqual([]);
      expect(await dockerNames(app, term, gordon), term).toEqual([]);
    }
    // Restored, it is found again with its description.
    await request(app).post(`/api/v0/deleted/${deleted.body.id as string}/restore`).set("Authorization", gordon).expect(200);
    expect(await apiNames(app, "old tooling", gordon)).toEqual(["engineering/retired"]);
    await request(app).delete("/api/v0/repositories/engineering/retired").set("Authorization", gordon).expect(202);
  });

  it("answers Docker's /v1/search with Docker Hub's shape, paged by n and page", async () => {
    const res = await dockerSearch(app, { q: "engineering", n: "2", page: "1" }, gordon);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ num_results: 3, num_pages: 2, page: 1, page_size: 2, query: "engineering" });
    expect(res.body.results).toEqual([
      { name: "engineering/docs", description: "The engineering handbook", star_count: 0, is_official: false, is_automated: false },
      { name: "engineering/barca", description: "", star_count: 0, is_official: false, is_automated: false },
    ]);
    const last = await dockerSearch(app, { q: "engineering", n: "2", page: "2" }, gordon);
    expect(last.body.results.map((entry: { name: string }) => entry.name)).toEqual(["engineering/madrid"]);
    // Top-level repositories are the "official" ones.
    const official = await dockerSearch(app, { q: "madrid-tools" }, gordon);
    expect(official.body.results[0]).toMatchObject({ name: "madrid-tools", is_official: true });
  });

  it("identifies dockerd's callers: Bearer from an identity token, Basic from a stored password, nobody", async () => {
    const everything = ["ahab/sandbox", "engineering/docs", "engineering/madrid", "tools/madrid"];
    expect((await dockerNames(app, "", await bearerAsDockerd(app, "ahab", LAB_USERS.ahab?.password ?? ""))).sort()).toEqual(everything);
    expect((await dockerNames(app, "", ahab)).sort()).toEqual(everything);
    const anonymous = ["engineering/docs", "tools/madrid"];
    expect((await dockerNames(app, "")).sort()).toEqual(anonymous);
    expect((await dockerNames(app, "", "Basic Og==")).sort()).toEqual(anonymous);
    const wrong = await dockerSearch(app, { q: "" }, basicAuth("ahab", "not-his-password"));
    expect(wrong.status).toBe(401);
    expect(wrong.headers["www-authenticate"]).toMatch(/^Bearer realm=/);
    const ping = await request(app).get("/v1/_ping").expect(200);
    expect(ping.headers["x-docker-registry-standalone"]).toBe("true");
  });

  it("refuses bad parameters with 400, never a 500", async () => {
    const dockerQueries: Record<string, string>[] = [{ n: "0" }, { n: "101" }, { n: "ten" }, { page: "0" }, { page: "-1" }, { q: "x".repeat(256) }];
    for (const query of dockerQueries) {
      const res = await dockerSearch(app, query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.errors[0].code).toBe("UNSUPPORTED");
    }
    const apiQueries: Record<string, string>[] = [{ limit: "0" }, { limit: "101" }, { offset: "-1" }, { offset: "1e3" }];
    for (const query of apiQueries) {
      expect((await apiSearch(app, query)).status, JSON.stringify(query)).toBe(400);
    }
    const repeated = await request(app).get("/api/v0/search?q=a&q=b");
    expect(repeated.status).toBe(400);
  });
});

describe("search with anonymous pull off", () => {
  it("shows anonymous callers nothing, not even public repositories", async () => {
    const { app } = await lab({ REGISTRY_AUTH_BERTH_MODE: "basic", REGISTRY_AUTH_BERTH_ANONYMOUS: "false" });
    expect(await apiNames(app, "")).toEqual([]);
    expect(await dockerNames(app, "")).toEqual([]);
    expect((await dockerNames(app, "", ahab)).sort()).toEqual(["ahab/sandbox", "engineering/docs", "engineering/madrid"]);
  });
});

describe("search without Berth's users", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-search-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("with htpasswd: users see every repository, anonymous callers none", async () => {
    const path = join(dir, "htpasswd");
    writeFileSync(path, `alice:${bcrypt.hashSync("s3cret", 4)}\n`);
    const { app, open } = await securedRegistry({ REGISTRY_AUTH_HTPASSWD_REALM: "test", REGISTRY_AUTH_HTPASSWD_PATH: path });
    for (const name of ["team/a", "team/b"]) await pushImage(open, name, "latest");
    expect(await dockerNames(app, "team", basicAuth("alice", "s3cret"))).toEqual(["team/a", "team/b"]);
    expect(await apiNames(app, "team", basicAuth("alice", "s3cret"))).toEqual(["team/a", "team/b"]);
    expect(await dockerNames(app, "team")).toEqual([]);
    expect((await dockerSearch(app, { q: "team" }, basicAuth("alice", "wrong"))).status).toBe(401);
  });

  it("with no auth: everyone sees every repository", async () => {
    const { app, open } = await securedRegistry({});
    for (const name of ["team/a", "solo"]) await pushImage(open, name, "latest");
    expect(await dockerNames(app, "")).toEqual(["solo", "team/a"]);
    const res = await apiSearch(app, { q: "solo" });
    expect(res.body.results).toEqual([{ name: "solo", namespace: null, description: "", visibility: "public", match: "exact" }]);
  });
});
