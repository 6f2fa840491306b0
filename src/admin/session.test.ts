/** Portal sign-in: sessions in a cookie, accepted by the management API, CSRF-checked, expiring. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import bcrypt from "bcryptjs";
import type { Express } from "express";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../auth/passwords.js";
import { basicAuth, securedRegistry } from "../auth/testing.js";
import type { SqliteMetadataStore } from "../metadata/sqlite.js";
import { pushImage } from "../test-support.js";

let app: Express;
let open: Express;
let metadata: SqliteMetadataStore;

function cookieOf(res: request.Response): string {
  const header = res.headers["set-cookie"] as unknown as string[] | undefined;
  const cookie = header?.find((line) => line.startsWith("berth_session="));
  if (!cookie) throw new Error("no session cookie set");
  return cookie.split(";")[0] ?? "";
}

async function signIn(username: string, password: string): Promise<{ cookie: string; csrf: string; body: Record<string, unknown> }> {
  const res = await request(app).post("/api/v0/session").send({ username, password }).expect(201);
  return { cookie: cookieOf(res), csrf: res.body.csrfToken as string, body: res.body as Record<string, unknown> };
}

beforeAll(async () => {
  ({ app, open, metadata } = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: "basic" }, (config) => {
    config.ui.session.idle = 60_000;
  }));
  for (const [name, role] of [["gordon", "admin"], ["ahab", "none"]] as const) {
    await metadata.access.createUser({ name, passwordHash: await hashPassword(`${name}-password`), role, source: "managed", fullName: "", active: true, createdAt: "" });
  }
  await pushImage(open, "gordon/app", "v1");
  await pushImage(open, "ahab/boat", "v1");
});

describe("portal sessions", () => {
  it("signs in with a managed user: an HttpOnly, SameSite=Strict cookie, only its hash stored", async () => {
    const res = await request(app).post("/api/v0/session").send({ username: "gordon", password: "gordon-password" }).expect(201);
    const header = (res.headers["set-cookie"] as unknown as string[])[0] ?? "";
    expect(header).toMatch(/^berth_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    expect(res.body).toMatchObject({ signIn: "available", account: { name: "gordon", role: "admin", isAdmin: true } });
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const token = header.slice("berth_session=".length, header.indexOf(";"));
    expect(JSON.stringify(await metadata.sessions.get(token))).toBe("null");
    const audit = await metadata.access.listAudit(5);
    expect(audit.some((entry) => entry.action === "portal.signin" && entry.actor === "gordon")).toBe(true);
  });

  it("refuses wrong passwords with a plain 401 and records the attempt", async () => {
    const res = await request(app).post("/api/v0/session").send({ username: "gordon", password: "nope-nope" }).expect(401);
    expect(res.headers["www-authenticate"]).toBeUndefined();
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect((await metadata.access.listAudit(5)).some((entry) => entry.action === "portal.signin.failed")).toBe(true);
    await request(app).post("/api/v0/session").send({ username: "gordon" }).expect(400);
    await request(app).post("/api/v0/session").set("Content-Type", "application/x-www-form-urlencoded").send("username=gordon&password=gordon-password").expect(400);
  });

  it("is accepted by the management API as the user, and filtered as theirs", async () => {
    const { cookie } = await signIn("ahab", "ahab-password");
    const mine = await request(app).get("/api/v0/repositories").set("Cookie", cookie).expect(200);
    expect(mine.body.repositories.map((r: { name: string }) => r.name)).toEqual(["ahab/boat"]);
    const session = await request(app).get("/api/v0/session").set("Cookie", cookie).expect(200);
    expect(session.body.account).toMatchObject({ name: "ahab", isAdmin: false });
    await request(app).get("/api/v0/users").set("Cookie", cookie).expect(403);
    await request(app).get("/api/v0/repositories/gordon/app/_tags").set("Cookie", cookie).expect(404);
    const tags = await request(app).get("/api/v0/repositories/ahab/boat/_tags").set("Cookie", cookie).expect(200);
    expect(tags.body.tags).toEqual([expect.objectContaining({ name: "v1", digest: expect.stringMatching(/^sha256:/), size: expect.any(Number), pushedAt: expect.any(String) })]);
  });

  it("needs the CSRF header for state changes made with the cookie", async () => {
    const { cookie, csrf } = await signIn("gordon", "gordon-password");
    await request(app).post("/api/v0/orgs").set("Cookie", cookie).send({ name: "sailors" }).expect(403);
    await request(app).post("/api/v0/orgs").set("Cookie", cookie).set("X-Berth-CSRF", "wrong").send({ name: "sailors" }).expect(403);
    expect(await metadata.access.orgExists("sailors")).toBe(false);
    await request(app).post("/api/v0/orgs").set("Cookie", cookie).set("X-Berth-CSRF", csrf).send({ name: "sailors" }).expect(201);
    // Administrators' routes outside the management router take it too.
    await request(app).put("/api/v0/gc/schedule").set("Cookie", cookie).send({ schedule: "" }).expect(403);
    await request(app).get("/api/v0/deleted").set("Cookie", cookie).expect(200);
  });

  it("soft-deletes a tag through the API, restorable from the trash", async () => {
    const { cookie, csrf } = await signIn("gordon", "gordon-password");
    await pushImage(open, "gordon/app", "v2");
    const deleted = await request(app).delete("/api/v0/repositories/gordon/app/_tags/v2").set("Cookie", cookie).set("X-Berth-CSRF", csrf).expect(202);
    expect(deleted.body).toMatchObject({ kind: "tag", repository: "gordon/app", tag: "v2", deletedBy: "gordon", restorable: true });
    const after = await request(app).get("/api/v0/repositories/gordon/app/_tags").set("Cookie", cookie).expect(200);
    expect(after.body.tags.map((t: { name: string }) => t.name)).toEqual(["v1"]);
    await request(app).post(`/api/v0/deleted/${deleted.body.id}/restore`).set("Cookie", cookie).set("X-Berth-CSRF", csrf).expect(200);
    const restored = await request(app).get("/api/v0/repositories/gordon/app/_tags").set("Cookie", cookie).expect(200);
    expect(restored.body.tags.map((t: { name: string }) => t.name)).toEqual(["v1", "v2"]);
    const { cookie: ahab, csrf: ahabCsrf } = await signIn("ahab", "ahab-password");
    await request(app).delete("/api/v0/repositories/gordon/app/_tags/v2").set("Cookie", ahab).set("X-Berth-CSRF", ahabCsrf).expect(404);
    await request(app).delete("/api/v0/repositories/ahab/boat/_tags/Bad%20Tag").set("Cookie", ahab).set("X-Berth-CSRF", ahabCsrf).expect(400);
  });

  it("signs out: the session is forgotten and the cookie removed", async () => {
    const { cookie, csrf } = await signIn("gordon", "gordon-password");
    await request(app).delete("/api/v0/session").set("Cookie", cookie).expect(403);
    const out = await request(app).delete("/api/v0/session").set("Cookie", cookie).set("X-Berth-CSRF", csrf).expect(204);
    expect((out.headers["set-cookie"] as unknown as string[])[0]).toMatch(/^berth_session=; .*Max-Age=0/);
    const after = await request(app).get("/api/v0/session").set("Cookie", cookie).expect(200);
    expect(after.body.account).toBeNull();
    await request(app).get("/api/v0/users").set("Cookie", cookie).expect(401);
  });

  it("answers a browser's fetch without a Basic challenge (no password dialog)", async () => {
    const res = await request(app).get("/api/v0/users").set("Sec-Fetch-Mode", "cors").expect(401);
    expect(res.headers["www-authenticate"]).toBeUndefined();
    const curl = await request(app).get("/api/v0/users").expect(401);
    expect(curl.headers["www-authenticate"]).toMatch(/^Basic/);
  });

  it("ends sessions of deactivated users and idle sessions", async () => {
    const { cookie } = await signIn("ahab", "ahab-password");
    await metadata.access.updateUser("ahab", { active: false });
    expect((await request(app).get("/api/v0/session").set("Cookie", cookie).expect(200)).body.account).toBeNull();
    await metadata.access.updateUser("ahab", { active: true });
    const idle = await signIn("ahab", "ahab-password");
    const token = idle.cookie.slice("berth_session=".length);
    const hash = (await import("node:crypto")).createHash("sha256").update(token).digest("hex");
    const record = await metadata.sessions.get(hash);
    expect(record).not.toBeNull();
    // Pretend the last request was two minutes ago (idle timeout: one minute).
    await metadata.sessions.delete(hash);
    await metadata.sessions.create({ ...(record as NonNullable<typeof record>), lastSeenAt: Date.now() - 120_000 });
    expect((await request(app).get("/api/v0/session").set("Cookie", idle.cookie).expect(200)).body.account).toBeNull();
    expect(await metadata.sessions.get(hash)).toBeNull();
  });

  it("does not let robot accounts sign in", async () => {
    await request(app).post("/api/v0/orgs").set("Authorization", basicAuth("gordon", "gordon-password")).send({ name: "fleet" }).expect(201);
    const created = await request(app)
      .post("/api/v0/robots")
      .set("Authorization", basicAuth("gordon", "gordon-password"))
      .send({ name: "ci", scope: { kind: "namespace", name: "fleet" }, access: "pull" })
      .expect(201);
    const res = await request(app).post("/api/v0/session").send({ username: "robot$ci", password: created.body.secret }).expect(403);
    expect(res.headers["set-cookie"]).toBeUndefined();
  });

  it("judges a request with an Authorization header by it, not by the cookie", async () => {
    const { cookie } = await signIn("gordon", "gordon-password");
    const withBasic = await request(app).get("/api/v0/users").set("Cookie", cookie).set("Authorization", basicAuth("ahab", "ahab-password"));
    expect(withBasic.status).toBe(403);
  });
});

describe("portal sign-in with htpasswd and without access control", () => {
  it("signs in an htpasswd user (an administrator) and ends the session when the entry goes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-portal-htpasswd-"));
    const file = join(dir, "htpasswd");
    writeFileSync(file, `alice:${bcrypt.hashSync("alice-password", 4)}\n`);
    const { app: htApp } = await securedRegistry({ REGISTRY_AUTH_HTPASSWD_REALM: "test", REGISTRY_AUTH_HTPASSWD_PATH: file });
    const res = await request(htApp).post("/api/v0/session").send({ username: "alice", password: "alice-password" }).expect(201);
    expect(res.body.account).toMatchObject({ name: "alice", isAdmin: true, source: "htpasswd" });
    const cookie = cookieOf(res);
    await request(htApp).get("/api/v0/repositories").set("Cookie", cookie).expect(200);
    writeFileSync(file, `bob:${bcrypt.hashSync("bob-password", 4)}\n`);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await request(htApp).get("/api/v0/session").set("Cookie", cookie).expect(200)).body.account).toBeNull();
  });

  it("scopes the cookie to http.prefix", async () => {
    const { app: prefixed, metadata: store } = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: "basic" }, (config) => {
      config.http.prefix = "/registry/";
    });
    await store.access.createUser({ name: "gordon", passwordHash: await hashPassword("gordon-password"), role: "admin", source: "managed", fullName: "", active: true, createdAt: "" });
    const res = await request(prefixed).post("/registry/api/v0/session").send({ username: "gordon", password: "gordon-password" }).expect(201);
    expect((res.headers["set-cookie"] as unknown as string[])[0]).toContain("Path=/registry/;");
    await request(prefixed).get("/registry/api/v0/users").set("Cookie", cookieOf(res)).expect(200);
  });

  it("needs no sign-in without access control", async () => {
    const { app: none } = await securedRegistry({});
    const res = await request(none).get("/api/v0/session").expect(200);
    expect(res.body).toMatchObject({ signIn: "not-needed", accessModel: false, account: { isAdmin: true } });
    await request(none).post("/api/v0/session").send({ username: "x", password: "y" }).expect(400);
    await request(none).get("/api/v0/repositories").expect(200);
  });
});
