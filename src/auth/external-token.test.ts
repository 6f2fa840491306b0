/**
 * Tokens from an external issuer, as registry:2 checks them: the signer (x5c chain to the
 * root bundle, or kid), the algorithm (never none, never HMAC), issuer, audience, expiry and
 * not-before, and the access claim's scopes.
 */
import jwt, { type Algorithm } from "jsonwebtoken";
import { createHmac, createPublicKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Express } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushImage } from "../test-support.js";
import { libtrustKeyId } from "./signing-key.js";
import { SIGNING_EXTENSIONS, TestCa, type Issued } from "./test-pki.js";
import { securedRegistry } from "./testing.js";

const REALM = "https://auth.example.com/token";
const dir = mkdtempSync(join(tmpdir(), "berth-external-token-"));
let root: TestCa;
let intermediate: TestCa;
let leaf: Issued;
let rsaLeaf: Issued;
let strangerLeaf: Issued;
let strangerRoot: TestCa;
const jwksKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
let app: Express;

const der = (path: string) => new X509Certificate(readFileSync(path)).raw.toString("base64");

interface Claims {
  iss?: string;
  aud?: string;
  sub?: string;
  exp?: number;
  nbf?: number;
  access?: unknown;
}

function claims(overrides: Claims = {}): Claims {
  const now = Math.floor(Date.now() / 1000);
  return { iss: "auth.example.com", aud: "registry.example.com", sub: "ci", exp: now + 300, nbf: now - 5, access: [], ...overrides };
}

/** A token signed by the leaf, with the chain leaf → intermediate in x5c. */
function chained(payload: Claims, signer: Issued = leaf, chain: string[] = [der(leaf.cert), der(intermediate.cert)], algorithm: Algorithm = "ES256"): string {
  return jwt.sign(payload, readFileSync(signer.key), { algorithm, header: { alg: algorithm, x5c: chain } });
}

function pull(repository: string) {
  return [{ type: "repository", name: repository, actions: ["pull"] }];
}

async function tagsWith(token: string, repository = "team/app") {
  return request(app).get(`/v2/${repository}/tags/list`).set("Authorization", `Bearer ${token}`);
}

beforeAll(async () => {
  root = TestCa.root(dir, "token-root");
  intermediate = root.intermediate("token-intermediate");
  leaf = intermediate.issue("token-signer", "/CN=token signer", SIGNING_EXTENSIONS);
  rsaLeaf = intermediate.issue("token-signer-rsa", "/CN=token signer rsa", SIGNING_EXTENSIONS, { key: "rsa" });
  strangerRoot = TestCa.root(dir, "stranger-root");
  strangerLeaf = strangerRoot.issue("stranger-signer", "/CN=stranger", SIGNING_EXTENSIONS);
  writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [{ ...jwksKey.publicKey.export({ format: "jwk" }), kid: "jwks-key-1" }] }));
  const registry = await securedRegistry({
    REGISTRY_AUTH_TOKEN_REALM: REALM,
    REGISTRY_AUTH_TOKEN_SERVICE: "registry.example.com",
    REGISTRY_AUTH_TOKEN_ISSUER: "auth.example.com",
    REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: root.cert,
    REGISTRY_AUTH_TOKEN_JWKS: join(dir, "jwks.json"),
  });
  app = registry.app;
  await pushImage(registry.open, "team/app", "latest");
  await pushImage(registry.open, "team/other", "latest");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tokens from an external issuer", () => {
  it("challenges without a token as registry:2 does", async () => {
    const res = await request(app).get("/v2/team/app/tags/list").expect(401);
    expect(res.headers["www-authenticate"]).toBe(`Bearer realm="${REALM}",service="registry.example.com",scope="repository:team/app:pull"`);
    expect(res.body.errors[0]).toEqual({ code: "UNAUTHORIZED", message: "authentication required", detail: [{ Type: "repository", Name: "team/app", Action: "pull" }] });
    expect((await request(app).get("/v2/").expect(401)).headers["www-authenticate"]).toBe(`Bearer realm="${REALM}",service="registry.example.com"`);
  });

  it("accepts a token whose x5c chain leads to the root bundle, for exactly its access claim", async () => {
    const token = chained(claims({ access: pull("team/app") }));
    expect((await tagsWith(token)).body).toEqual({ name: "team/app", tags: ["latest"] });
    const other = await tagsWith(token, "team/other");
    expect(other.status).toBe(401);
    expect(other.headers["www-authenticate"]).toContain('error="insufficient_scope"');
    const push = await request(app).post("/v2/team/app/blobs/uploads/").set("Authorization", `Bearer ${token}`);
    expect(push.status).toBe(401);
    expect(push.headers["www-authenticate"]).toContain('scope="repository:team/app:pull,push",error="insufficient_scope"');
    const everything = chained(claims({ access: [{ type: "repository", name: "team/app", actions: ["*"] }] }));
    expect((await request(app).post("/v2/team/app/blobs/uploads/").set("Authorization", `Bearer ${everything}`)).status).toBe(202);
    // The RSA signer of the same CA works too.
    expect((await tagsWith(chained(claims({ access: pull("team/app") }), rsaLeaf, [der(rsaLeaf.cert), der(intermediate.cert)], "RS256"))).status).toBe(200);
  });

  it("lists the catalog with the registry:catalog:* scope, and not without it", async () => {
    const catalog = chained(claims({ access: [{ type: "registry", name: "catalog", actions: ["*"] }] }));
    expect((await request(app).get("/v2/_catalog").set("Authorization", `Bearer ${catalog}`)).body).toEqual({ repositories: ["team/app", "team/other"] });
    expect((await request(app).get("/v2/_catalog").set("Authorization", `Bearer ${chained(claims({ access: pull("team/app") }))}`)).status).toBe(401);
  });

  it("searches (docker search) everything with registry:catalog:search, only what it may pull without; /v2/_catalog still needs registry:catalog:*", async () => {
    const names = async (token: string) =>
      ((await request(app).get("/v1/search").set("Authorization", `Bearer ${token}`).expect(200)).body.results as { name: string }[]).map((entry) => entry.name);
    const search = chained(claims({ access: [{ type: "registry", name: "catalog", actions: ["search"] }] }));
    expect(await names(search)).toEqual(["team/app", "team/other"]);
    expect(await names(chained(claims({ access: pull("team/app") })))).toEqual(["team/app"]);
    expect((await request(app).get("/v2/_catalog").set("Authorization", `Bearer ${search}`)).status).toBe(401);
  });

  const refused: [string, () => string][] = [
    ["another audience", () => chained(claims({ aud: "other-registry", access: pull("team/app") }))],
    ["another issuer", () => chained(claims({ iss: "evil.example.com", access: pull("team/app") }))],
    ["an expired token", () => chained(claims({ exp: Math.floor(Date.now() / 1000) - 600, access: pull("team/app") }))],
    ["a token not valid yet", () => chained(claims({ nbf: Math.floor(Date.now() / 1000) + 600, access: pull("team/app") }))],
    [
      "a token without expiry",
      () => {
        const { exp: _exp, ...rest } = claims({ access: pull("team/app") });
        return chained(rest);
      },
    ],
    ["a signer chained to another root", () => chained(claims({ access: pull("team/app") }), strangerLeaf, [der(strangerLeaf.cert), der(strangerRoot.cert)])],
    ["a chain without its intermediate", () => chained(claims({ access: pull("team/app") }), leaf, [der(leaf.cert)])],
    ["a signer claiming another's certificate", () => chained(claims({ access: pull("team/app") }), strangerLeaf, [der(leaf.cert), der(intermediate.cert)])],
    ["alg none", () => jwt.sign(claims({ access: pull("team/app") }), null, { algorithm: "none", header: { alg: "none", x5c: [der(leaf.cert), der(intermediate.cert)] } })],
    [
      "HS256 keyed with the signer's public key",
      () => {
        const publicPem = createPublicKey(readFileSync(rsaLeaf.key)).export({ type: "spki", format: "pem" }).toString();
        const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT", x5c: [der(rsaLeaf.cert), der(intermediate.cert)] })).toString("base64url");
        const body = Buffer.from(JSON.stringify(claims({ access: pull("team/app") }))).toString("base64url");
        return `${header}.${body}.${createHmac("sha256", publicPem).update(`${header}.${body}`).digest("base64url")}`;
      },
    ],
    ["an unknown kid", () => jwt.sign(claims({ access: pull("team/app") }), jwksKey.privateKey, { algorithm: "ES256", keyid: "nope" })],
    ["a malformed access claim", () => chained(claims({ access: [{ type: "repository", name: "team/app", actions: "pull" }] }))],
    ["garbage", () => "not.a.token"],
  ];

  for (const [what, make] of refused) {
    it(`refuses ${what} with error="invalid_token"`, async () => {
      const res = await tagsWith(make());
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
    });
  }

  it("finds keys by kid: the JWKS file's, and registry:2's libtrust ID of a bundle certificate's key", async () => {
    const byJwks = jwt.sign(claims({ access: pull("team/app") }), jwksKey.privateKey, { algorithm: "ES256", keyid: "jwks-key-1" });
    expect((await tagsWith(byJwks)).status).toBe(200);
    const rootKid = libtrustKeyId(new X509Certificate(readFileSync(root.cert)).publicKey);
    const byRoot = jwt.sign(claims({ access: pull("team/app") }), readFileSync(root.key), { algorithm: "ES256", keyid: rootKid });
    expect((await tagsWith(byRoot)).status).toBe(200);
  });

  it("refuses to start without the required options, naming them", async () => {
    await expect(securedRegistry({ REGISTRY_AUTH_TOKEN_REALM: REALM })).rejects.toThrow(/auth\.token\.service: required\nauth\.token\.issuer: required/);
    await expect(
      securedRegistry({ REGISTRY_AUTH_TOKEN_REALM: REALM, REGISTRY_AUTH_TOKEN_SERVICE: "s", REGISTRY_AUTH_TOKEN_ISSUER: "i" }),
    ).rejects.toThrow("auth.token.rootcertbundle: required (or auth.token.jwks)");
    await expect(
      securedRegistry({
        REGISTRY_AUTH_TOKEN_REALM: REALM, REGISTRY_AUTH_TOKEN_SERVICE: "s", REGISTRY_AUTH_TOKEN_ISSUER: "i",
        REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: root.cert, REGISTRY_AUTH_TOKEN_SIGNINGALGORITHMS: "[ES256, HS256, none]",
      }),
    ).rejects.toThrow("auth.token.signingalgorithms: HS256, none not accepted");
  });
});
