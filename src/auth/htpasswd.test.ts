import bcrypt from "bcryptjs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { basicAuth, securedRegistry } from "./testing.js";

const dir = mkdtempSync(join(tmpdir(), "berth-htpasswd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the htpasswd access controller", () => {
  it("lets htpasswd users do everything and challenges everyone else with Basic", async () => {
    const path = join(dir, "users");
    writeFileSync(path, `# comment\nalice:${bcrypt.hashSync("s3cret", 4)}\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n`);
    const { app } = await securedRegistry({ REGISTRY_AUTH_HTPASSWD_REALM: "test realm", REGISTRY_AUTH_HTPASSWD_PATH: path });
    const anonymous = await request(app).get("/v2/").expect(401);
    expect(anonymous.headers["www-authenticate"]).toBe('Basic realm="test realm"');
    expect(anonymous.body).toEqual({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] });
    const pull = await request(app).get("/v2/a/manifests/latest").expect(401);
    expect(pull.body.errors[0].detail).toEqual([{ Type: "repository", Name: "a", Action: "pull" }]);
    await request(app).get("/v2/").set("Authorization", basicAuth("bob", "password")).expect(401);
    await request(app).get("/v2/").set("Authorization", "Bearer abc").expect(401);
    await request(app).get("/v2/").set("Authorization", basicAuth("alice", "s3cret")).expect(200);
    // Everything for alice: push, list, delete.
    const agent = { set: basicAuth("alice", "s3cret") };
    await request(app).post("/v2/x/blobs/uploads/").set("Authorization", agent.set).expect(202);
    await request(app).get("/v2/_catalog").set("Authorization", agent.set).expect(200, { repositories: [] });
  });

  it("refuses to start without realm or path, naming the key", async () => {
    await expect(securedRegistry({ REGISTRY_AUTH_HTPASSWD_PATH: "/p" })).rejects.toThrow("auth.htpasswd.realm: required");
    await expect(securedRegistry({ REGISTRY_AUTH_HTPASSWD_REALM: "r" })).rejects.toThrow("auth.htpasswd.path: required");
  });

  it("shows pushed repositories in the catalog to htpasswd users", async () => {
    const path = join(dir, "users2");
    writeFileSync(path, `alice:${bcrypt.hashSync("s3cret", 4)}\n`);
    const { app, metadata } = await securedRegistry({ REGISTRY_AUTH_HTPASSWD_REALM: "r", REGISTRY_AUTH_HTPASSWD_PATH: path });
    await metadata.putManifest({ repository: "team/app", digest: "sha256:" + "a".repeat(64), mediaType: "x", size: 1, artifactType: null, subject: null, annotations: null });
    const res = await request(app).get("/v2/_catalog").set("Authorization", basicAuth("alice", "s3cret")).expect(200);
    expect(res.body).toEqual({ repositories: ["team/app"] });
  });
});
