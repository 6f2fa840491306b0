/**
 * A soft-deleted repository is gone from every listing the access model filters — the
 * management API (all, by namespace, by name), the catalog, tag lists, search — even though its
 * settings row (description, visibility, grants) stays for a restore; and it comes back,
 * settings and all, when restored.
 */
import express, { type Express } from "express";
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
const api = (user: string | null, method: "get" | "post" | "put" | "patch" | "delete", path: string) => {
  const req = request(app)[method](`/api/v0${path}`);
  return user === null ? req : req.set("Authorization", as(user));
};

/** Everything a caller can learn of a repository from the listings, for a repository that is there and one that never was. */
async function sightings(user: string | null, name: string) {
  const namespace = name.slice(0, name.indexOf("/"));
  const listed = async (path: string) => ((await api(user, "get", path)).body.repositories as { name: string }[]).some((repo) => repo.name === name);
  const v2 = (path: string) => (user === null ? request(app).get(path) : request(app).get(path).set("Authorization", as(user)));
  return {
    inApiList: await listed("/repositories?n=1000"),
    inNamespaceList: await listed(`/repositories?namespace=${namespace}`),
    byName: (await api(user, "get", `/repositories/${name}`)).status,
    grants: (await api(user, "get", `/repositories/${name}/_grants`)).status,
    inCatalog: ((await v2("/v2/_catalog")).body.repositories as string[]).includes(name),
    inSearch: ((await api(user, "get", `/search?q=${encodeURIComponent(name)}&limit=100`)).body.results as { name: string }[]).some((hit) => hit.name === name),
    tags: (await v2(`/v2/${name}/tags/list`)).status,
  };
}

const GONE = { inApiList: false, inNamespaceList: false, byName: 404, grants: 404, inCatalog: false, inSearch: false };

beforeAll(async () => {
  ({ app, open, metadata } = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: "basic", REGISTRY_AUTH_BERTH_ANONYMOUS: "true" }));
  await metadata.access.createUser({
    name: "gordon", passwordHash: await hashPassword("gordon-password"), role: "admin", source: "managed", fullName: "", active: true, createdAt: "",
  });
  for (const step of labCalls()) expect((await api("gordon", step.method.toLowerCase() as "post", step.path).send(step.body ?? {})).status).toBeLessThan(300);
});

describe("a soft-deleted repository with settings", () => {
  it("disappears from every listing at once, for everyone, and comes back with its settings on restore", async () => {
    // engineering/docs: public, with a description; engineering/madrid: private, granted to frontend.
    expect((await api("gordon", "patch", "/repositories/engineering/docs").send({ description: "the manuals" })).status).toBe(200);
    await pushImage(open, "engineering/docs", "v1");
    await pushImage(open, "engineering/madrid", "v1");
    const before = { anonymous: await sightings(null, "engineering/docs"), moby: await sightings("moby", "engineering/madrid"), gordon: await sightings("gordon", "engineering/madrid") };
    for (const seen of Object.values(before)) expect(seen).toEqual({ inApiList: true, inNamespaceList: true, byName: 200, grants: 200, inCatalog: true, inSearch: true, tags: 200 });

    const ids: string[] = [];
    for (const name of ["engineering/docs", "engineering/madrid"]) {
      const deleted = await api("gordon", "delete", `/repositories/${name}`);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(202);
      ids.push(deleted.body.id as string);
    }
    // Tag lists answer as for a repository that never existed: anonymous callers are asked to
    // log in, moby (pulls everything) and gordon are told the name is unknown...
    const never = await sightings(null, "engineering/never");
    expect(never.tags).toBe(401);
    expect(await sightings(null, "engineering/docs")).toEqual({ ...GONE, tags: never.tags });
    for (const user of ["moby", "gordon"]) {
      expect(await sightings(user, "engineering/madrid")).toEqual({ ...GONE, tags: (await sightings(user, "engineering/never")).tags });
    }
    // ...and so is ahab, whose team keeps its grant for a restore (a name he knew; others are denied).
    expect(await sightings("ahab", "engineering/madrid")).toEqual({ ...GONE, tags: 404 });
    expect((await sightings("ahab", "engineering/never")).tags).toBe(403);
    // Changing a deleted repository's settings or grants: not found, as for any unknown name.
    expect((await api("gordon", "patch", "/repositories/engineering/madrid").send({ visibility: "public" })).status).toBe(404);
    // Creating it anew while it can be restored: refused, saying how to get it back.
    const again = await api("gordon", "post", "/repositories").send({ name: "engineering/madrid" });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain(ids[1]);

    for (const id of ids) expect((await api("gordon", "post", `/deleted/${id}/restore`)).status).toBe(200);
    expect(await sightings(null, "engineering/docs")).toEqual(before.anonymous);
    expect(await sightings("moby", "engineering/madrid")).toEqual(before.moby);
    expect(await sightings("gordon", "engineering/madrid")).toEqual(before.gordon);
    expect((await api(null, "get", "/repositories/engineering/docs")).body).toMatchObject({ visibility: "public", description: "the manuals" });
    expect((await api("gordon", "get", "/repositories/engineering/madrid/_grants")).body.grants).toEqual([
      { org: "engineering", team: "frontend", repository: "engineering/madrid", level: "read-write" },
    ]);
  });

  it("never pushed (settings only): deleted for good, with its grants, since there is nothing to restore", async () => {
    expect((await api("orca", "post", "/repositories").send({ name: "engineering/plans", description: "never pushed" })).status).toBe(201);
    expect((await api("gordon", "put", "/repositories/engineering/plans/_grants/frontend").send({ level: "read-only" })).status).toBe(200);
    expect((await api("ahab", "get", "/repositories/engineering/plans")).status).toBe(200);
    const deleted = await api("gordon", "delete", "/repositories/engineering/plans");
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    expect(await sightings("gordon", "engineering/plans")).toMatchObject(GONE);
    expect(await metadata.access.grantsOn("engineering/plans")).toEqual([]);
    expect((await api("gordon", "delete", "/repositories/engineering/plans")).status).toBe(404);
    expect((await api("gordon", "get", "/audit?n=5")).body.entries).toContainEqual(expect.objectContaining({ actor: "gordon", action: "repository.delete", target: "engineering/plans" }));
    // Created again: a new repository, without the old grant.
    expect((await api("orca", "post", "/repositories").send({ name: "engineering/plans" })).status).toBe(201);
    expect((await api("orca", "get", "/repositories/engineering/plans/_grants")).body.grants).toEqual([]);
  });

  it("soft-deleted, its settings are not removed by a second DELETE: they wait for the restore", async () => {
    expect((await api("orca", "post", "/repositories").send({ name: "engineering/kept", visibility: "public", description: "kept" })).status).toBe(201);
    await pushImage(open, "engineering/kept", "v1");
    const deleted = await api("gordon", "delete", "/repositories/engineering/kept");
    expect(deleted.status).toBe(202);
    expect((await api("gordon", "delete", "/repositories/engineering/kept")).status).toBe(404);
    expect((await api("gordon", "post", `/deleted/${deleted.body.id as string}/restore`)).status).toBe(200);
    expect((await api(null, "get", "/repositories/engineering/kept")).body).toMatchObject({ visibility: "public", description: "kept" });
  });

  it("pushed anew under the same name: a new repository, with fresh settings and no grants of the deleted one", async () => {
    expect((await api("orca", "post", "/repositories").send({ name: "engineering/reborn", visibility: "public", description: "old" })).status).toBe(201);
    expect((await api("gordon", "put", "/repositories/engineering/reborn/_grants/frontend").send({ level: "read-write" })).status).toBe(200);
    await pushImage(open, "engineering/reborn", "v1");
    expect((await api("gordon", "delete", "/repositories/engineering/reborn")).status).toBe(202);
    // gordon pushes something else under the name, through the access controller as docker would.
    const asGordon = express().use((req, _res, next) => {
      req.headers.authorization = as("gordon");
      next();
    }, app);
    await pushImage(asGordon, "engineering/reborn", "v2");
    // Replaced before the manifest was stored: at no moment is the new content public.
    expect((await api(null, "get", "/repositories/engineering/reborn")).status, "no longer public").toBe(404);
    expect((await api("gordon", "get", "/repositories/engineering/reborn")).body).toMatchObject({ visibility: "private", description: "" });
    expect((await api("gordon", "get", "/repositories/engineering/reborn/_grants")).body.grants).toEqual([]);
    expect((await api("ahab", "get", "/repositories/engineering/reborn")).status).toBe(404);
  });

  it("may be created anew, with fresh settings, once garbage collection removed it", async () => {
    expect((await api("orca", "post", "/repositories").send({ name: "engineering/tmp", visibility: "public", description: "old" })).status).toBe(201);
    await pushImage(open, "engineering/tmp", "v1");
    const deleted = await api("gordon", "delete", "/repositories/engineering/tmp");
    expect(deleted.status).toBe(202);
    const id = deleted.body.id as string;
    // As a collection does it (src/gc/collector.ts): claimed, then purged.
    expect(await metadata.deleted.transition(id, ["deleted"], "purging", { gcRun: 1 })).toBe(true);
    expect((await api("orca", "post", "/repositories").send({ name: "engineering/tmp" })).status).toBe(409);
    expect(await metadata.deleted.transition(id, ["purging"], "purged")).toBe(true);
    expect(await sightings(null, "engineering/tmp")).toMatchObject(GONE);
    const created = await api("orca", "post", "/repositories").send({ name: "engineering/tmp" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ visibility: "private", description: "" });
    expect((await api("orca", "get", "/repositories?namespace=engineering")).body.repositories).toContainEqual(expect.objectContaining({ name: "engineering/tmp" }));
  });
});
