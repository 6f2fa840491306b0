/**
 * Docker Trusted Registry's lab scenario with the real Docker client against Berth's built-in
 * token service: gordon (admin) is created with the CLI, everything else through the
 * management API; then `docker login`, push and pull as each user. orca pushes
 * engineering/barca; moby pulls it but cannot push it; ahab pushes and pulls
 * engineering/madrid but can neither pull nor see barca. A CI robot token pushes to its
 * namespace only and stops working when revoked.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAB_USERS, labCalls } from "../src/access/lab-fixture.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, imageId, pushImage, removeAllImages, type BuiltImage } from "./harness/images.js";
import { berthCli } from "./harness/berth-cli.js";
import { startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

let dockerd: Dockerd | undefined;
let berth: RunningRegistry | undefined;
let workDir: string;
let database: string;
let barcaImage: BuiltImage;
let madridImage: BuiltImage;

function ready(): { dockerd: Dockerd; berth: RunningRegistry } {
  if (!dockerd || !berth) throw new Error("setup failed: dockerd or Berth did not start (see the beforeAll error)");
  return { dockerd, berth };
}

function password(user: string): string {
  return LAB_USERS[user]?.password ?? "";
}

function basic(user: string): string {
  return `Basic ${Buffer.from(`${user}:${password(user)}`).toString("base64")}`;
}

/** `berth <args>` against the server's database, with stdin. */
function cli(args: string[], input: string): Promise<string> {
  return berthCli(database, args, input);
}

async function login(user: string): Promise<void> {
  const { dockerd, berth } = ready();
  const out = await dockerd.docker(["login", "-u", user, "-p", password(user), berth.host]);
  expect(out).toMatch(/Login Succeeded/);
}

/** A token from Berth's token service for the user and scopes, as docker would get one. */
async function token(user: string, ...scopes: string[]): Promise<string> {
  const query = new URLSearchParams([["service", "berth"], ...scopes.map((scope) => ["scope", scope] as [string, string])]);
  const res = await fetch(`${ready().berth.url}/auth/token?${query.toString()}`, { headers: { authorization: basic(user) } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

beforeAll(async () => {
  workDir = tempDir("lab");
  database = join(workDir, "berth.sqlite");
  berth = await startBerth({ env: { REGISTRY_AUTH_BERTH_MODE: "token", REGISTRY_DATABASE_PATH: database } });
  dockerd = await startDockerd();
  barcaImage = await buildImage(dockerd, { tag: "lab/barca:src", layerSizes: [20_000] });
});

afterAll(async () => {
  await dockerd?.stop();
  await berth?.stop();
  if (berth) rmSync(berth.root, { recursive: true, force: true });
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the DTR lab with docker", () => {
  it("sets up gordon with the CLI and the rest through the management API", async () => {
    const { berth } = ready();
    expect(await cli(["user", "add", "gordon", "--password-stdin", "--role", "admin"], `${password("gordon")}\n`)).toMatch(/created user gordon/);
    for (const call of labCalls()) {
      const res = await fetch(`${berth.url}/api/v0${call.path}`, {
        method: call.method,
        headers: { authorization: basic("gordon"), "content-type": "application/json" },
        body: JSON.stringify(call.body ?? {}),
      });
      expect(res.status, `${call.method} ${call.path}: ${await res.clone().text()}`).toBeLessThan(300);
    }
    const me = await fetch(`${berth.url}/api/v0/accounts/me`, { headers: { authorization: basic("moby") } });
    expect(await me.json()).toEqual({ accountInfo: { name: "moby", isAdmin: false, isReadOnly: true, isReadWrite: false, isAnonymous: false } });
  });

  it("docker login keeps a refresh token (offline_token), not the password", async () => {
    const { dockerd } = ready();
    await login("orca");
    const configFile = join(dirname(dockerd.host.replace(/^unix:\/\//, "")), "client", "config.json");
    expect(existsSync(configFile), configFile).toBe(true);
    const auths = (JSON.parse(readFileSync(configFile, "utf8")) as { auths: Record<string, { identitytoken?: string; auth?: string }> }).auths;
    const entry = auths[ready().berth.host];
    expect(entry?.identitytoken).toMatch(/^eyJ/);
    // Only the user name beside it: "orca:" with no password.
    expect(Buffer.from(entry?.auth ?? "", "base64").toString()).toBe("orca:");
  });

  it("orca (read-write) pushes engineering/barca", async () => {
    const { dockerd, berth } = ready();
    const ref = `${berth.host}/engineering/barca:1.0`;
    await dockerd.docker(["tag", barcaImage.id, ref]);
    const { digest } = await pushImage(dockerd, ref);
    expect(digest).toMatch(/^sha256:/);
  });

  it("moby (read-only, in frontend) pulls barca but cannot push it", async () => {
    const { dockerd, berth } = ready();
    await login("moby");
    await removeAllImages(dockerd);
    const ref = `${berth.host}/engineering/barca:1.0`;
    await dockerd.docker(["pull", ref]);
    expect(await imageId(dockerd, ref)).toBe(barcaImage.id);
    await dockerd.docker(["tag", ref, `${berth.host}/engineering/barca:moby`]);
    await expect(pushImage(dockerd, `${berth.host}/engineering/barca:moby`)).rejects.toThrow(/denied|unauthorized|authentication required/i);
  });

  it("ahab (no global role, in frontend) pushes and pulls engineering/madrid", async () => {
    const { dockerd, berth } = ready();
    await login("ahab");
    madridImage = await buildImage(dockerd, { tag: "lab/madrid:src", layerSizes: [30_000] });
    const ref = `${berth.host}/engineering/madrid:2.0`;
    await dockerd.docker(["tag", madridImage.id, ref]);
    await pushImage(dockerd, ref);
    await removeAllImages(dockerd);
    await dockerd.docker(["pull", ref]);
    expect(await imageId(dockerd, ref)).toBe(madridImage.id);
  });

  it("ahab can neither pull nor see barca, which looks exactly like a repository that does not exist", async () => {
    const { dockerd, berth } = ready();
    const barca = await dockerd.docker(["pull", `${berth.host}/engineering/barca:1.0`]).then(
      () => "pulled",
      (error: Error) => error.message.replace(/^.*?failed \([^)]*\):\n/s, ""),
    );
    const ghost = await dockerd.docker(["pull", `${berth.host}/engineering/ghost:1.0`]).then(
      () => "pulled",
      (error: Error) => error.message.replace(/^.*?failed \([^)]*\):\n/s, ""),
    );
    expect(barca).toMatch(/denied|unauthorized/i);
    expect(barca.replace("barca", "<name>")).toBe(ghost.replace("ghost", "<name>"));
    const catalog = await fetch(`${berth.url}/v2/_catalog`, { headers: { authorization: `Bearer ${await token("ahab", "registry:catalog:*")}` } });
    expect(await catalog.json()).toEqual({ repositories: ["engineering/madrid"] });
    const tags = await fetch(`${berth.url}/v2/engineering/barca/tags/list`, {
      headers: { authorization: `Bearer ${await token("ahab", "repository:engineering/barca:pull")}` },
    });
    expect(tags.status).toBe(401);
    const api = await fetch(`${berth.url}/api/v0/repositories/engineering/barca`, { headers: { authorization: basic("ahab") } });
    expect(api.status).toBe(404);
  });

  it("a CI robot token logs docker in, pushes to its namespace only, and stops working once revoked", async () => {
    const { dockerd, berth } = ready();
    const created = await fetch(`${berth.url}/api/v0/robots`, {
      method: "POST",
      headers: { authorization: basic("gordon"), "content-type": "application/json" },
      body: JSON.stringify({ name: "ci", scope: { kind: "namespace", name: "engineering" }, access: "push" }),
    });
    expect(created.status).toBe(201);
    const { robot, secret } = (await created.json()) as { robot: { login: string }; secret: string };
    expect(await dockerd.docker(["login", "-u", robot.login, "-p", secret, berth.host])).toMatch(/Login Succeeded/);
    const image = await buildImage(dockerd, { tag: "lab/ci:src", layerSizes: [5000] });
    const ref = `${berth.host}/engineering/ci-build:1`;
    await dockerd.docker(["tag", image.id, ref]);
    await pushImage(dockerd, ref);
    await dockerd.docker(["tag", image.id, `${berth.host}/ahab/sandbox:ci`]);
    await expect(pushImage(dockerd, `${berth.host}/ahab/sandbox:ci`)).rejects.toThrow(/denied|unauthorized|authentication required/i);
    const revoked = await fetch(`${berth.url}/api/v0/robots/ci`, { method: "DELETE", headers: { authorization: basic("gordon") } });
    expect(revoked.status).toBe(200);
    await removeAllImages(dockerd);
    await expect(dockerd.docker(["pull", ref])).rejects.toThrow(/denied|unauthorized|authentication required|log in again/i);
  });

  it("gordon sees both repositories; the admin actions are in the audit log", async () => {
    const { berth } = ready();
    const catalog = await fetch(`${berth.url}/v2/_catalog`, { headers: { authorization: `Bearer ${await token("gordon", "registry:catalog:*")}` } });
    expect(await catalog.json()).toEqual({ repositories: ["engineering/barca", "engineering/ci-build", "engineering/madrid"] });
    const audit = await fetch(`${berth.url}/api/v0/audit?n=1000`, { headers: { authorization: basic("gordon") } });
    const entries = ((await audit.json()) as { entries: { actor: string; action: string; target: string }[] }).entries;
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: expect.stringMatching(/^cli/), action: "user.create", target: "gordon" }),
        expect.objectContaining({ actor: "gordon", action: "grant.put", target: "engineering/barca" }),
      ]),
    );
    expect(readFileSync(berth.logFile, "utf8")).not.toContain(password("orca"));
  });
});
