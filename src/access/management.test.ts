/** Who may manage what through the management API, and what the audit log records. */
import type { Express } from "express";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../auth/passwords.js";
import { basicAuth, securedRegistry } from "../auth/testing.js";
import type { SqliteMetadataStore } from "../metadata/sqlite.js";
import { pushImage } from "../test-support.js";
import { LAB_USERS, labCalls } from "./lab-fixture.js";

let app: Express;
let open: Express;
let metadata: SqliteMetadataStore;

const as = (user: string) => basicAuth(user, LAB_USERS[user]?.password ?? `${user}-password`);

async function call(user: string, method: "get" | "post" | "put" | "patch" | "delete", path: string, body?: object) {
  const req = request(app)[method](`/api/v0${path}`).set("Authorization", as(user));
  return body ? req.send(body) : req;
}

beforeAll(async () => {
  ({ app, open, metadata } = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: "basic" }));
  await metadata.access.createUser({
    name: "gordon", passwordHash: await hashPassword("gordon-password"), role: "admin", source: "managed", fullName: "", active: true, createdAt: "",
  });
  for (const step of labCalls()) expect((await call("gordon", step.method.toLowerCase() as "post", step.path, step.body ?? {})).status).toBeLessThan(300);
  // orca owns the organization from here on.
  expect((await call("gordon", "put", "/orgs/engineering/teams/owners/members/orca")).status).toBe(204);
});

describe("the management API's permissions", () => {
  it("lets only administrators manage users and organizations", async () => {
    expect((await call("orca", "post", "/users", { name: "eve", password: "eve-password" })).status).toBe(403);
    expect((await call("orca", "get", "/users")).status).toBe(403);
    expect((await call("orca", "post", "/orgs", { name: "sales" })).status).toBe(403);
    expect((await call("gordon", "post", "/orgs", { name: "sales" })).status).toBe(201);
    expect((await call("gordon", "post", "/users", { name: "sales", password: "password1" })).status).toBe(409);
    expect((await call("gordon", "post", "/users", { name: "Bad Name", password: "password1" })).status).toBe(400);
    expect((await call("gordon", "post", "/users", { name: "eve", password: "short" })).status).toBe(400);
    expect((await request(app).get("/api/v0/users")).status).toBe(401);
  });

  it("lets users change their own password and name, but not their role", async () => {
    expect((await call("ahab", "patch", "/users/ahab", { role: "admin" })).status).toBe(403);
    expect((await call("ahab", "patch", "/users/moby", { fullName: "x" })).status).toBe(403);
    const changed = await call("ahab", "patch", "/users/ahab", { fullName: "Captain Ahab", password: "ahab-new-password" });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: "ahab", fullName: "Captain Ahab", role: "none" });
    expect((await request(app).get("/v2/").set("Authorization", as("ahab"))).status).toBe(401);
    expect((await request(app).get("/v2/").set("Authorization", basicAuth("ahab", "ahab-new-password"))).status).toBe(200);
    expect((await request(app).patch("/api/v0/users/ahab").set("Authorization", basicAuth("ahab", "ahab-new-password")).send({ password: LAB_USERS.ahab?.password })).status).toBe(200);
  });

  it("lets owners of an organization manage its teams and grants, and nobody else", async () => {
    expect((await call("orca", "post", "/orgs/engineering/teams", { name: "qa" })).status).toBe(201);
    expect((await call("orca", "put", "/orgs/engineering/teams/qa/members/moby")).status).toBe(204);
    expect((await call("moby", "put", "/orgs/engineering/teams/qa/members/ahab")).status).toBe(403);
    expect((await call("orca", "put", "/repositories/engineering/barca/_grants/qa", { level: "read-write" })).status).toBe(200);
    expect((await call("moby", "delete", "/repositories/engineering/barca/_grants/qa")).status).toBe(403);
    expect((await call("orca", "put", "/repositories/engineering/barca/_grants/qa", { level: "superuser" })).status).toBe(400);
    expect((await call("orca", "delete", "/orgs/engineering/teams/owners")).status).toBe(400);
    expect((await call("orca", "delete", "/orgs/engineering/teams/qa")).status).toBe(204);
    expect((await call("orca", "get", "/repositories/engineering/barca/_grants")).body.grants).toEqual([
      { org: "engineering", team: "core", repository: "engineering/barca", level: "read-only" },
    ]);
  });

  it("lets users create repositories where they may (own namespace, owners), and admins of a repository change it", async () => {
    expect((await call("ahab", "post", "/repositories", { name: "ahab/whale", visibility: "public" })).status).toBe(201);
    expect((await call("ahab", "post", "/repositories", { name: "engineering/whale" })).status).toBe(403);
    expect((await call("orca", "post", "/repositories", { name: "engineering/whale" })).status).toBe(201);
    expect((await call("ahab", "post", "/repositories", { name: "ahab/whale" })).status).toBe(409);
    expect((await call("ahab", "patch", "/repositories/ahab/whale", { description: "a whale" })).body).toMatchObject({ visibility: "public", description: "a whale" });
    expect((await call("moby", "patch", "/repositories/ahab/whale", { visibility: "private" })).status).toBe(403);
    // Private and not moby's to see: not found, not denied.
    expect((await call("ahab", "patch", "/repositories/engineering/barca", { visibility: "public" })).status).toBe(404);
  });

  it("never lets a robot token reach a user's own namespace", async () => {
    expect((await call("gordon", "post", "/robots", { name: "ci", scope: { kind: "namespace", name: "ahab" }, access: "push" })).status).toBe(400);
    expect((await call("gordon", "post", "/robots", { name: "ci", scope: { kind: "repository", name: "ahab/sandbox" }, access: "pull" })).status).toBe(400);
    expect((await call("ahab", "post", "/robots", { name: "ci", scope: { kind: "namespace", name: "engineering" }, access: "push" })).status).toBe(403);
    const created = await call("orca", "post", "/robots", { name: "ci", scope: { kind: "namespace", name: "engineering" }, access: "push" });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^brt_/);
    expect((await call("orca", "get", "/robots")).body.robots).toEqual([expect.objectContaining({ name: "ci", login: "robot$ci" })]);
    expect((await call("ahab", "get", "/robots")).body.robots).toEqual([]);
  });

  it("records administrative actions, never passwords", async () => {
    const audit = await call("gordon", "get", "/audit?n=1000");
    expect(audit.status).toBe(200);
    const entries = audit.body.entries as { actor: string; action: string; target: string }[];
    expect(entries.map((entry) => `${entry.actor} ${entry.action} ${entry.target}`)).toEqual(
      expect.arrayContaining(["gordon org.create sales", "orca team.create engineering/qa", "ahab user.update ahab", "orca robot.create ci"]),
    );
    const text = JSON.stringify(entries);
    for (const secret of ["ahab-new-password", "orca-password", "$2"]) expect(text).not.toContain(secret);
    expect((await call("orca", "get", "/audit")).status).toBe(403);
  });

  it("answers the test login with the account's info, for administrators", async () => {
    const ok = await call("gordon", "post", "/auth/test-login", { username: "moby", password: LAB_USERS.moby?.password });
    expect(ok.body).toEqual({ accountInfo: { name: "moby", isAdmin: false, isReadOnly: true, isReadWrite: false, isAnonymous: false } });
    expect((await call("gordon", "post", "/auth/test-login", { username: "moby", password: "wrong-password" })).status).toBe(401);
    expect((await call("orca", "post", "/auth/test-login", { username: "moby", password: "x" })).status).toBe(403);
  });

  it("leaves deleting a repository to the trash, for administrators", async () => {
    await pushImage(open, "engineering/doomed", "latest");
    expect((await call("ahab", "delete", "/repositories/engineering/doomed")).status).toBe(403);
    const deleted = await call("gordon", "delete", "/repositories/engineering/doomed");
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(202);
    expect((await call("gordon", "get", "/repositories/engineering/doomed")).status).toBe(404);
  });

  it("switches create-on-push at runtime", async () => {
    const push = () => request(app).post("/v2/ahab/brand-new/blobs/uploads/").set("Authorization", as("ahab"));
    expect((await push()).status).toBe(202);
    expect((await call("gordon", "put", "/settings/access", { createOnPush: false })).body).toMatchObject({ createOnPush: false });
    expect((await push()).status).toBe(403);
    expect((await call("gordon", "put", "/settings/access", { createOnPush: true })).status).toBe(200);
    expect((await push()).status).toBe(202);
  });
});
