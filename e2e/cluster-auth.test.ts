/**
 * Berth's own token service on replicas sharing PostgreSQL (issue 8): with no
 * auth.berth.signingkey, the first replica generates the signing key into the database and every
 * other one uses it, so a token (or docker login's refresh token) one replica issued is accepted
 * by the others. docker login, push and pull through nginx, whichever replica answers each request.
 * Failed logins are counted in the database too: the limit holds across replicas.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { berthCli } from "./harness/berth-cli.js";
import { startCluster, type RunningCluster } from "./harness/cluster.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, diffIds, imageId, pushImage, removeAllImages, type BuiltImage } from "./harness/images.js";
import { tempDir } from "./harness/servers.js";

const ADMIN = "gordon";
const PASSWORD = "gordon-cluster-password";
/** auth.berth.failedlogins.peruser on every replica. */
const FAILED_LOGINS = 3;
const basic = `Basic ${Buffer.from(`${ADMIN}:${PASSWORD}`).toString("base64")}`;

let cluster: RunningCluster | undefined;
let dockerd: Dockerd | undefined;
let image: BuiltImage;
let workDir: string | undefined;

function ready(): { cluster: RunningCluster; dockerd: Dockerd } {
  if (!cluster || !dockerd) throw new Error("setup failed: the cluster or dockerd did not start (see the beforeAll error)");
  return { cluster, dockerd };
}

/** A token for the scope from one replica's token service. */
async function tokenFrom(url: string, scope: string): Promise<string> {
  const res = await fetch(`${url}/auth/token?service=berth&scope=${encodeURIComponent(scope)}`, { headers: { authorization: basic } });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

function keyIdOf(token: string): string {
  const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as { kid?: string };
  return header.kid ?? "";
}

beforeAll(async () => {
  const [startedCluster, startedDockerd] = await Promise.allSettled([
    startCluster({ replicas: 3, storage: "filesystem", env: { REGISTRY_AUTH_BERTH_MODE: "token", REGISTRY_AUTH_BERTH_FAILEDLOGINS: `{peruser: ${FAILED_LOGINS}, peraddress: 1000, window: 15m}` } }),
    startDockerd(),
  ]);
  if (startedCluster.status === "fulfilled") cluster = startedCluster.value;
  if (startedDockerd.status === "fulfilled") dockerd = startedDockerd.value;
  if (startedCluster.status === "rejected") throw startedCluster.reason;
  if (startedDockerd.status === "rejected") throw startedDockerd.reason;
  // The first administrator, with the CLI against the shared database.
  // (database.path is not used with PostgreSQL.)
  workDir = tempDir("cluster-auth");
  const out = await berthCli(join(workDir, "unused.sqlite"), ["user", "add", ADMIN, "--password-stdin", "--role", "admin"], `${PASSWORD}\n`, startedCluster.value.env);
  expect(out).toMatch(/created user gordon/);
  image = await buildImage(startedDockerd.value, { tag: "cluster-auth/app:src", layerSizes: [100_000, 300_000] });
});

afterAll(async () => {
  await dockerd?.stop();
  await cluster?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the built-in token service across replicas", () => {
  it("a token issued by one replica is accepted by every other: one signing key, kept in the database", async () => {
    const { cluster } = ready();
    const tokens = await Promise.all(cluster.replicas.map((replica) => tokenFrom(replica.url, "registry:catalog:*")));
    expect(new Set(tokens.map(keyIdOf)).size).toBe(1);
    for (const [issuer, token] of tokens.entries()) {
      for (const replica of cluster.replicas) {
        const res = await fetch(`${replica.url}/v2/_catalog`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status, `a token from replica ${issuer} at ${replica.host}`).toBe(200);
      }
    }
    // Restarted, a replica keeps the key (it reads it back from the database).
    const restarted = await cluster.restart(1);
    const later = await tokenFrom(restarted.url, "registry:catalog:*");
    expect(keyIdOf(later)).toBe(keyIdOf(tokens[0]!));
  });

  it("docker login, push and pull through nginx", async () => {
    const { cluster, dockerd } = ready();
    expect(await dockerd.docker(["login", "-u", ADMIN, "-p", PASSWORD, cluster.nginx.host])).toMatch(/Login Succeeded/);
    const ref = `${cluster.nginx.host}/${ADMIN}/app:1`;
    await dockerd.docker(["tag", image.id, ref]);
    await pushImage(dockerd, ref);
    await removeAllImages(dockerd);
    await dockerd.docker(["pull", ref]);
    expect(await imageId(dockerd, ref)).toBe(image.id);
    expect(await diffIds(dockerd, ref)).toEqual(image.layers);
    // The tokens were used at every replica, whichever issued them.
    const answeredBy = new Set(cluster.nginx.accessLog().filter((entry) => entry.uri.startsWith("/v2/")).flatMap((entry) => entry.upstreams));
    expect(answeredBy.size).toBe(cluster.replicas.length);
  });

  // Last: it leaves the administrator blocked for the window.
  it("failed logins count on every replica together: the limit holds whichever replica is tried", async () => {
    const { cluster } = ready();
    const wrong = `Basic ${Buffer.from(`${ADMIN}:not-the-password`).toString("base64")}`;
    // One wrong password per replica: each replica alone has seen fewer than the limit.
    for (const replica of cluster.replicas) {
      const res = await fetch(`${replica.url}/auth/token?service=berth`, { headers: { authorization: wrong } });
      expect(res.status).toBe(401);
    }
    for (const replica of cluster.replicas) {
      const blocked = await fetch(`${replica.url}/auth/token?service=berth`, { headers: { authorization: basic } });
      expect(blocked.status, `the right password at ${replica.host}`).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });
});
