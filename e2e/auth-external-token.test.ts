/**
 * An external token issuer fronting Berth exactly as it fronts registry:2: one small token
 * server (in this process) signs tokens with a certificate chained to a test root; Berth and
 * Debian's registry:2.8 get the same auth.token settings. The real Docker client logs in,
 * pushes and pulls through both, is refused where the issuer grants nothing, and both
 * registries challenge with the same headers.
 */
import jwt from "jsonwebtoken";
import { createServer, type Server } from "node:http";
import { X509Certificate } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseScopes, type ResourceAccess } from "../src/auth/scope.js";
import { SIGNING_EXTENSIONS, TestCa, type Issued } from "../src/auth/test-pki.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, imageId, pushImage, removeAllImages, type BuiltImage } from "./harness/images.js";
import { freePort, startBerth, startReference, tempDir, type RunningRegistry } from "./harness/servers.js";

const SERVICE = "registry.test";
const ISSUER = "token-issuer.test";

let pkiDir: string;
let signer: Issued;
let chain: string[];
let tokenServer: Server | undefined;
let realm: string;
let dockerd: Dockerd | undefined;
const registries: Record<"berth" | "reference", RunningRegistry | undefined> = { berth: undefined, reference: undefined };
let image: BuiltImage;

/** The issuer's policy: user ci may pull and push under ci/ and list the catalog; nobody else gets anything. */
function grant(user: string | null, requested: ResourceAccess[]): ResourceAccess[] {
  if (user !== "ci") return [];
  return requested.filter((scope) => (scope.type === "repository" && scope.name.startsWith("ci/")) || (scope.type === "registry" && scope.name === "catalog"));
}

function startTokenServer(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const header = req.headers.authorization ?? "";
    const basic = header.startsWith("Basic ") ? Buffer.from(header.slice(6), "base64").toString() : null;
    let user: string | null = null;
    if (basic !== null) {
      if (basic !== "ci:ci-password") {
        res.writeHead(401, { "content-type": "application/json" }).end('{"details":"incorrect username or password"}');
        return;
      }
      user = "ci";
    }
    const now = Math.floor(Date.now() / 1000);
    const access = grant(user, parseScopes(url.searchParams.getAll("scope")));
    const token = jwt.sign({ iss: ISSUER, sub: user ?? "", aud: url.searchParams.get("service") ?? "", exp: now + 300, nbf: now - 1, iat: now, jti: `${now}-${Math.random()}`, access }, readFileSync(signer.key), {
      algorithm: "ES256",
      header: { alg: "ES256", x5c: chain },
    });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  return new Promise((resolveListen) => server.listen(port, "127.0.0.1", () => resolveListen(server)));
}

function ready(kind: "berth" | "reference"): { dockerd: Dockerd; registry: RunningRegistry } {
  const registry = registries[kind];
  if (!dockerd || !registry) throw new Error("setup failed (see the beforeAll error)");
  return { dockerd, registry };
}

beforeAll(async () => {
  pkiDir = tempDir("token-pki");
  const root = TestCa.root(pkiDir, "issuer-root");
  const intermediate = root.intermediate("issuer-intermediate");
  signer = intermediate.issue("issuer-signer", "/CN=token signer", SIGNING_EXTENSIONS);
  chain = [signer.cert, intermediate.cert].map((path) => new X509Certificate(readFileSync(path)).raw.toString("base64"));
  const port = await freePort();
  tokenServer = await startTokenServer(port);
  realm = `http://127.0.0.1:${port}/token`;
  const env = {
    REGISTRY_AUTH_TOKEN_REALM: realm,
    REGISTRY_AUTH_TOKEN_SERVICE: SERVICE,
    REGISTRY_AUTH_TOKEN_ISSUER: ISSUER,
    REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: root.cert,
  };
  registries.berth = await startBerth({ env });
  registries.reference = await startReference({ env });
  dockerd = await startDockerd();
  image = await buildImage(dockerd, { tag: "token/app:src", layerSizes: [12_000] });
});

afterAll(async () => {
  await dockerd?.stop();
  for (const registry of Object.values(registries)) {
    await registry?.stop();
    if (registry) rmSync(registry.root, { recursive: true, force: true });
  }
  await new Promise<void>((resolveClose) => (tokenServer ? tokenServer.close(() => resolveClose()) : resolveClose()));
  if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
});

for (const kind of ["berth", "reference"] as const) {
  describe(`docker through the external issuer (${kind === "berth" ? "Berth" : "registry:2.8"})`, () => {
    it("logs in, pushes and pulls where the issuer grants access", async () => {
      const { dockerd, registry } = ready(kind);
      await expect(dockerd.docker(["login", "-u", "ci", "-p", "wrong", registry.host])).rejects.toThrow(/unauthorized|incorrect/i);
      expect(await dockerd.docker(["login", "-u", "ci", "-p", "ci-password", registry.host])).toMatch(/Login Succeeded/);
      const ref = `${registry.host}/ci/app:1`;
      await dockerd.docker(["tag", image.id, ref]);
      await pushImage(dockerd, ref);
      await removeAllImages(dockerd);
      await dockerd.docker(["pull", ref]);
      expect(await imageId(dockerd, ref)).toBe(image.id);
    });

    it("is refused where the issuer grants nothing", async () => {
      const { dockerd, registry } = ready(kind);
      const ref = `${registry.host}/other/app:1`;
      await dockerd.docker(["tag", image.id, ref]);
      await expect(pushImage(dockerd, ref)).rejects.toThrow(/denied|unauthorized|authentication required/i);
    });
  });
}

describe("Berth and registry:2.8 behind the same issuer", () => {
  it("challenge with the same headers and error codes", async () => {
    const berth = ready("berth").registry;
    const reference = ready("reference").registry;
    const denied = await (await fetch(`${realm}?service=${SERVICE}&scope=repository:ci/app:pull`, { headers: { authorization: `Basic ${Buffer.from("ci:ci-password").toString("base64")}` } })).json() as { token: string };
    const cases: [string, Record<string, string>][] = [
      ["/v2/", {}],
      ["/v2/ci/app/tags/list", {}],
      ["/v2/ci/app/manifests/1", {}],
      ["/v2/other/app/tags/list", { authorization: `Bearer ${denied.token}` }],
      ["/v2/_catalog", { authorization: `Bearer ${denied.token}` }],
    ];
    for (const [path, headers] of cases) {
      const [ours, theirs] = await Promise.all([fetch(`${berth.url}${path}`, { headers }), fetch(`${reference.url}${path}`, { headers })]);
      expect(ours.status, path).toBe(theirs.status);
      expect(ours.headers.get("www-authenticate"), path).toBe(theirs.headers.get("www-authenticate"));
      const codes = async (res: Response) => ((await res.json()) as { errors: { code: string }[] }).errors.map((error) => error.code);
      expect(await codes(ours), path).toEqual(await codes(theirs));
    }
  });
});
