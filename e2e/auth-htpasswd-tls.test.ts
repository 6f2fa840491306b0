/**
 * registry:2's most common secured setup, with the real Docker client: TLS with a private CA
 * that dockerd trusts through /etc/docker/certs.d/<host:port>/ca.crt, and an htpasswd file of
 * bcrypt entries. docker login, push, pull; the Basic challenge; non-bcrypt entries refused;
 * users added to the file without a restart; failed logins throttled; and Berth refusing to
 * serve Basic auth over plain HTTP on a non-loopback address.
 */
import bcrypt from "bcryptjs";
import { appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, imageId, pushImage, removeAllImages, type BuiltImage } from "./harness/images.js";
import { startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";
import { externalAddress, makePki, tlsRequest, trustInDocker, type TestPki } from "./harness/tls.js";

const REALM = "Berth e2e realm";

let pki: TestPki;
let dockerd: Dockerd | undefined;
let berth: RunningRegistry | undefined;
let untrust: (() => void) | undefined;
let image: BuiltImage;
let authDir: string;
let htpasswdPath: string;

function ready(): { dockerd: Dockerd; berth: RunningRegistry } {
  if (!dockerd || !berth) throw new Error("setup failed: dockerd or Berth did not start (see the beforeAll error)");
  return { dockerd, berth };
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

async function get(path: string, headers: Record<string, string> = {}) {
  return tlsRequest(`${ready().berth.url}${path}`, { ca: pki.caCert }, { headers });
}

beforeAll(async () => {
  const ip = externalAddress();
  pki = makePki(ip);
  authDir = tempDir("htpasswd");
  htpasswdPath = join(authDir, "htpasswd");
  writeFileSync(
    htpasswdPath,
    [
      `alice:${bcrypt.hashSync("alice-secret", 5)}`,
      // An MD5 (apr1) entry: refused, with a log line.
      "bob:$apr1$RyoQ3mYD$w5Nmr4mPq0j4EetyOf39p/",
      "",
    ].join("\n"),
  );
  berth = await startBerth({
    listenHost: ip,
    tls: { certificate: pki.serverCert, key: pki.serverKey, probe: { ca: pki.caCert } },
    env: { REGISTRY_AUTH_HTPASSWD_REALM: REALM, REGISTRY_AUTH_HTPASSWD_PATH: htpasswdPath, REGISTRY_LOG_LEVEL: "info" },
  });
  untrust = trustInDocker(berth.host, pki.caCert);
  dockerd = await startDockerd();
  image = await buildImage(dockerd, { tag: "htpasswd/app:src", layerSizes: [8192, 70_000] });
});

afterAll(async () => {
  await dockerd?.stop();
  await berth?.stop();
  untrust?.();
  if (berth) rmSync(berth.root, { recursive: true, force: true });
  rmSync(authDir, { recursive: true, force: true });
  pki?.remove();
});

describe("htpasswd over TLS with docker", () => {
  it("challenges anonymous callers with Basic and the configured realm", async () => {
    const res = await get("/v2/");
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe(`Basic realm="${REALM}"`);
    expect(JSON.parse(res.body)).toMatchObject({ errors: [{ code: "UNAUTHORIZED" }] });
    const wrong = await get("/v2/", { authorization: basic("alice", "wrong") });
    expect(wrong.status).toBe(401);
  });

  it("is refused by docker while the CA is not trusted (the certificate is really checked)", async () => {
    const { dockerd, berth } = ready();
    untrust?.();
    try {
      await expect(dockerd.docker(["login", "-u", "alice", "-p", "alice-secret", berth.host])).rejects.toThrow(/certificate signed by unknown authority/);
    } finally {
      untrust = trustInDocker(berth.host, pki.caCert);
    }
  });

  it("refuses docker login with a wrong password and accepts the right one", async () => {
    const { dockerd, berth } = ready();
    await expect(dockerd.docker(["login", "-u", "alice", "-p", "nope", berth.host])).rejects.toThrow(/unauthorized|401/i);
    const out = await dockerd.docker(["login", "-u", "alice", "-p", "alice-secret", berth.host]);
    expect(out).toMatch(/Login Succeeded/);
  });

  it("pushes and pulls back the same image over TLS", async () => {
    const { dockerd, berth } = ready();
    const ref = `${berth.host}/team/app:1.0`;
    await dockerd.docker(["tag", image.id, ref]);
    const { digest } = await pushImage(dockerd, ref);
    await removeAllImages(dockerd);
    await dockerd.docker(["pull", ref]);
    expect(await imageId(dockerd, ref)).toBe(image.id);
    const manifest = await get(`/v2/team/app/manifests/1.0`, {
      authorization: basic("alice", "alice-secret"),
      accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json",
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers["docker-content-digest"]).toBe(digest);
    const catalog = await get("/v2/_catalog", { authorization: basic("alice", "alice-secret") });
    expect(JSON.parse(catalog.body)).toEqual({ repositories: ["team/app"] });
  });

  it("refuses an entry that is not bcrypt, naming the user and line in the log (never the hash)", async () => {
    const { berth } = ready();
    const res = await get("/v2/", { authorization: basic("bob", "anything") });
    expect(res.status).toBe(401);
    const log = readFileSync(berth.logFile, "utf8");
    expect(log).toMatch(/"line":2,"user":"bob".*only bcrypt/);
    expect(log).not.toContain("$apr1$");
  });

  it("picks up a user added to the file without a restart", async () => {
    const { dockerd, berth } = ready();
    appendFileSync(htpasswdPath, `carol:${bcrypt.hashSync("carol-secret", 5)}\n`);
    await new Promise((r) => setTimeout(r, 1200)); // the file is checked at most once a second
    const out = await dockerd.docker(["login", "-u", "carol", "-p", "carol-secret", berth.host]);
    expect(out).toMatch(/Login Succeeded/);
    const pulled = await dockerd.docker(["pull", `${berth.host}/team/app:1.0`]);
    expect(pulled).toMatch(/1\.0/);
  });

  it("throttles failed logins per user: the right password is refused once the limit is reached", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await get("/v2/", { authorization: basic("dave", `guess-${attempt}`) })).status).toBe(401);
    }
    appendFileSync(htpasswdPath, `dave:${bcrypt.hashSync("dave-secret", 5)}\n`);
    await new Promise((r) => setTimeout(r, 1200));
    const blocked = await get("/v2/", { authorization: basic("dave", "dave-secret") });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect(JSON.parse(blocked.body)).toMatchObject({ errors: [{ code: "TOOMANYREQUESTS" }] });
    // Other users are not affected.
    expect((await get("/v2/", { authorization: basic("alice", "alice-secret") })).status).toBe(200);
  });

  it("never writes passwords to its log", () => {
    const log = readFileSync(ready().berth.logFile, "utf8");
    for (const secret of ["alice-secret", "carol-secret", "dave-secret", "guess-0"]) expect(log).not.toContain(secret);
  });
});

describe("Basic auth over plain HTTP", () => {
  it("refuses to start on a non-loopback address, and says how to fix it", async () => {
    const attempt = startBerth({
      listenHost: externalAddress(),
      env: { REGISTRY_AUTH_HTPASSWD_REALM: REALM, REGISTRY_AUTH_HTPASSWD_PATH: htpasswdPath },
    });
    const error = await attempt.then(
      async (started) => {
        await started.stop();
        return new Error("Berth started");
      },
      (failure: unknown) => failure as Error,
    );
    const logFile = /see (\S+)$/.exec(error.message)?.[1];
    expect(logFile, error.message).toBeDefined();
    expect(readFileSync(logFile ?? "", "utf8")).toMatch(/refusing to start: auth\.htpasswd .*allowplainhttp/);
  });

  it("starts there when explicitly allowed", async () => {
    const started = await startBerth({
      listenHost: externalAddress(),
      env: { REGISTRY_AUTH_HTPASSWD_REALM: REALM, REGISTRY_AUTH_HTPASSWD_PATH: htpasswdPath, REGISTRY_AUTH_HTPASSWD_ALLOWPLAINHTTP: "true" },
    });
    try {
      const res = await fetch(`${started.url}/v2/`, { headers: { authorization: basic("alice", "alice-secret") } });
      expect(res.status).toBe(200);
    } finally {
      await started.stop();
      rmSync(started.root, { recursive: true, force: true });
    }
  });
});
