/** Berth's token service: credentials, refresh tokens, expiry, revocation, tampering, robots. */
import jwt from "jsonwebtoken";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { hashPassword } from "./passwords.js";
import { loadOrCreateSigningKey } from "./signing-key.js";
import { basicAuth, securedRegistry } from "./testing.js";

const dir = mkdtempSync(join(tmpdir(), "berth-tokens-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function registryWith(env: Record<string, string> = {}) {
  const registry = await securedRegistry({ REGISTRY_AUTH_BERTH_REALM: "https://registry.test/auth/token", ...env });
  for (const [name, role] of [["gordon", "admin"], ["ahab", "none"]] as const) {
    await registry.metadata.access.createUser({
      name, passwordHash: await hashPassword(`${name}-password`), role, source: "managed", fullName: "", active: true, createdAt: "",
    });
  }
  return registry;
}

const tokenRequest = (app: Parameters<typeof request>[0], query: Record<string, string>, user?: string) => {
  const req = request(app).get("/auth/token").query({ service: "berth", ...query });
  return user ? req.set("Authorization", basicAuth(user, `${user}-password`)) : req;
};

describe("the token service", () => {
  it("checks the service and the credentials, and gives anonymous tokens only when allowed", async () => {
    const { app } = await registryWith();
    expect((await tokenRequest(app, { service: "other" }, "gordon")).status).toBe(400);
    const wrong = await request(app).get("/auth/token").query({ service: "berth" }).set("Authorization", basicAuth("gordon", "nope"));
    expect(wrong.status).toBe(401);
    expect(wrong.headers["www-authenticate"]).toBe('Basic realm="Berth token service"');
    expect((await tokenRequest(app, {})).status).toBe(200);
    const closed = await registryWith({ REGISTRY_AUTH_BERTH_ANONYMOUS: "false" });
    expect((await tokenRequest(closed.app, {})).status).toBe(401);
  });

  it("answers with a short-lived ES256 token carrying the granted access", async () => {
    const { app } = await registryWith({ REGISTRY_AUTH_BERTH_TOKENEXPIRY: "2m" });
    const res = await tokenRequest(app, { scope: "repository:gordon/app:pull,push" }, "gordon");
    expect(res.body).toMatchObject({ expires_in: 120, scope: "repository:gordon/app:pull,push" });
    expect(res.body.refresh_token).toBeUndefined();
    const decoded = jwt.decode(res.body.token, { complete: true });
    expect(decoded?.header).toMatchObject({ alg: "ES256", typ: "JWT" });
    expect(decoded?.header.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(decoded?.payload).toMatchObject({ iss: "berth", aud: "berth", sub: "gordon", access: [{ type: "repository", name: "gordon/app", actions: ["pull", "push"] }] });
  });

  it("rejects expired, tampered and unsigned tokens", async () => {
    const { app } = await registryWith({ REGISTRY_AUTH_BERTH_TOKENEXPIRY: "1s" });
    const { token } = (await tokenRequest(app, { scope: "repository:gordon/app:pull" }, "gordon")).body as { token: string };
    expect((await request(app).get("/v2/gordon/app/tags/list").set("Authorization", `Bearer ${token}`)).status).toBe(404);
    const [header, payload] = token.split(".");
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? "", "base64url").toString()), access: [{ type: "repository", name: "x", actions: ["*"] }] })).toString("base64url");
    const tampered = `${header}.${widened}.${token.split(".")[2]}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${widened}.`;
    for (const bad of [tampered, unsigned, "garbage"]) {
      const res = await request(app).get("/v2/x/tags/list").set("Authorization", `Bearer ${bad}`);
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
    }
    await new Promise((r) => setTimeout(r, 2100));
    expect((await request(app).get("/v2/gordon/app/tags/list").set("Authorization", `Bearer ${token}`)).status).toBe(401);
  });

  it("trades a refresh token for access tokens until the password changes or the user is deactivated", async () => {
    const { app, metadata } = await registryWith();
    const login = await tokenRequest(app, { offline_token: "true", client_id: "docker" }, "ahab");
    const refresh = login.body.refresh_token as string;
    expect(refresh).toMatch(/^eyJ/);
    // A refresh token is not an access token.
    expect((await request(app).get("/v2/").set("Authorization", `Bearer ${refresh}`)).status).toBe(401);
    const trade = () =>
      request(app).post("/auth/token").type("form").send({ grant_type: "refresh_token", refresh_token: refresh, service: "berth", scope: "repository:ahab/app:pull", client_id: "docker" });
    const traded = await trade();
    expect(traded.status).toBe(200);
    expect(traded.body.scope).toBe("repository:ahab/app:pull");
    const access = traded.body.access_token as string;
    await metadata.access.updateUser("ahab", { passwordHash: await hashPassword("another-password") });
    expect((await trade()).status).toBe(401);
    // The access token still works (short-lived) until the user is deactivated.
    expect((await request(app).get("/v2/").set("Authorization", `Bearer ${access}`)).status).toBe(200);
    await metadata.access.updateUser("ahab", { active: false });
    expect((await request(app).get("/v2/").set("Authorization", `Bearer ${access}`)).status).toBe(401);
  });

  it("issues tokens for the OAuth2 password grant, with a refresh token for offline access", async () => {
    const { app } = await registryWith();
    const res = await request(app).post("/auth/token").type("form").send({
      grant_type: "password", username: "gordon", password: "gordon-password", service: "berth", scope: "registry:catalog:* registry:admin:*", access_type: "offline",
    });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe("registry:catalog:* registry:admin:*");
    expect(res.body.refresh_token).toMatch(/^eyJ/);
    expect((await request(app).post("/auth/token").type("form").send({ grant_type: "password", username: "gordon", password: "x" })).status).toBe(401);
    expect((await request(app).post("/auth/token").type("form").send({ grant_type: "client_credentials" })).status).toBe(400);
  });

  it("keeps the signing key it generated, private to its owner", () => {
    const path = join(dir, "keys", "signing.pem");
    const first = loadOrCreateSigningKey(path, pino({ level: "silent" }));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8")).toMatch(/BEGIN PRIVATE KEY/);
    expect(loadOrCreateSigningKey(path, pino({ level: "silent" })).keyId).toBe(first.keyId);
  });
});
