/**
 * `docker search <host:port>/<term>` with the real Docker daemon against Berth (issue 6):
 * with the built-in token service, logged out (anonymous: the public repository only) and
 * logged in (docker login keeps an identity token, which dockerd trades for a
 * registry:catalog:search token), and with no auth at all. The DTR lab's repositories:
 * ahab (no global role, in team frontend) sees madrid (frontend's grant), the public docs and
 * his own sandbox, never barca; moby (read-only role) sees every one.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAB_REPOSITORIES, LAB_USERS, labCalls } from "../src/access/lab-fixture.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, pushImage, type BuiltImage } from "./harness/images.js";
import { berthCli } from "./harness/berth-cli.js";
import { startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

let dockerd: Dockerd | undefined;
let image: BuiltImage | undefined;
const started: RunningRegistry[] = [];
const folders: string[] = [];

function ready(): { dockerd: Dockerd; image: BuiltImage } {
  if (!dockerd || !image) throw new Error("setup failed: dockerd did not start or the image was not built (see the beforeAll error)");
  return { dockerd, image };
}

function password(user: string): string {
  return LAB_USERS[user]?.password ?? "";
}

function basic(user: string): string {
  return `Basic ${Buffer.from(`${user}:${password(user)}`).toString("base64")}`;
}

/** Names `docker search` lists, in its order. */
async function searchNames(berth: RunningRegistry, term: string): Promise<string[]> {
  const out = await ready().dockerd.docker(["search", "--format", "{{.Name}}", `${berth.host}/${term}`]);
  return out.split("\n").filter((line) => line !== "");
}

/** Access lines written after `offset` ("GET /v1/search 200"), once `awaited` is among them (the log is written asynchronously). */
async function requestsLogged(berth: RunningRegistry, offset: number, awaited: string): Promise<string[]> {
  let seen: string[] = [];
  for (let attempt = 0; attempt < 50 && !seen.includes(awaited); attempt++) {
    if (attempt > 0) await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    const lines = readFileSync(berth.logFile, "utf8").slice(offset).split("\n").filter((line) => line.includes('"msg":"request"'));
    seen = lines.map((line) => JSON.parse(line) as { method: string; url: string; status: number }).map((entry) => `${entry.method} ${entry.url.split("?")[0] ?? ""} ${entry.status}`);
  }
  return seen;
}

async function pushAs(berth: RunningRegistry, repository: string): Promise<void> {
  const { dockerd, image } = ready();
  const ref = `${berth.host}/${repository}:1.0`;
  await dockerd.docker(["tag", image.id, ref]);
  await pushImage(dockerd, ref);
}

beforeAll(async () => {
  dockerd = await startDockerd();
  image = await buildImage(dockerd, { tag: "search/src:1", layerSizes: [4_000] });
});

afterAll(async () => {
  await dockerd?.stop();
  for (const berth of started) {
    await berth.stop();
    rmSync(berth.root, { recursive: true, force: true });
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe("docker search with Berth's token service", () => {
  let berth: RunningRegistry;

  beforeAll(async () => {
    const workDir = tempDir("search-token");
    folders.push(workDir);
    const database = join(workDir, "berth.sqlite");
    // Access lines (info) show how dockerd authenticated its searches.
    berth = await startBerth({ env: { REGISTRY_AUTH_BERTH_MODE: "token", REGISTRY_DATABASE_PATH: database, REGISTRY_LOG_LEVEL: "info" } });
    started.push(berth);
    expect(await berthCli(database, ["user", "add", "gordon", "--password-stdin", "--role", "admin"], `${password("gordon")}\n`)).toMatch(/created user gordon/);
    for (const call of labCalls()) {
      const res = await fetch(`${berth.url}/api/v0${call.path}`, {
        method: call.method,
        headers: { authorization: basic("gordon"), "content-type": "application/json" },
        body: JSON.stringify(call.body ?? {}),
      });
      expect(res.status, `${call.method} ${call.path}: ${await res.clone().text()}`).toBeLessThan(300);
    }
    const described = await fetch(`${berth.url}/api/v0/repositories/engineering/docs`, {
      method: "PATCH",
      headers: { authorization: basic("gordon"), "content-type": "application/json" },
      body: JSON.stringify({ description: "The engineering handbook" }),
    });
    expect(described.status).toBe(200);
    const { dockerd } = ready();
    expect(await dockerd.docker(["login", "-u", "gordon", "-p", password("gordon"), berth.host])).toMatch(/Login Succeeded/);
    for (const repository of LAB_REPOSITORIES) await pushAs(berth, repository.name);
    await dockerd.docker(["logout", berth.host]);
  });

  it("logged out: lists only the public repository, with its description", async () => {
    expect(await searchNames(berth, "")).toEqual(["engineering/docs"]);
    expect(await searchNames(berth, "engineering")).toEqual(["engineering/docs"]);
    expect(await searchNames(berth, "barca")).toEqual([]);
    const table = await ready().dockerd.docker(["search", `${berth.host}/handbook`]);
    const [header = "", row = ""] = table.split("\n");
    expect(header).toMatch(/^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL/);
    expect(row).toMatch(/^engineering\/docs\s+The engineering handbook\s+0\s/);
  });

  it("logged in as ahab (identity token): madrid, docs and his sandbox — never barca", async () => {
    const { dockerd } = ready();
    expect(await dockerd.docker(["login", "-u", "ahab", "-p", password("ahab"), berth.host])).toMatch(/Login Succeeded/);
    const logged = readFileSync(berth.logFile, "utf8").length;
    expect((await searchNames(berth, "")).sort()).toEqual(["ahab/sandbox", "engineering/docs", "engineering/madrid"]);
    // dockerd traded the identity token for a token (POST, refresh_token grant) and searched with it.
    const seen = await requestsLogged(berth, logged, "GET /v1/search 200");
    expect(seen).toContain("POST /auth/token 200");
    expect(seen).toContain("GET /v1/search 200");
    // Ranked: the exact last component first.
    expect(await searchNames(berth, "madrid")).toEqual(["engineering/madrid"]);
    expect(await searchNames(berth, "barca")).toEqual([]);
  });

  it("logged in as moby (read-only role): every repository, best match first", async () => {
    const { dockerd } = ready();
    expect(await dockerd.docker(["login", "-u", "moby", "-p", password("moby"), berth.host])).toMatch(/Login Succeeded/);
    expect(await searchNames(berth, "barca")).toEqual(["engineering/barca"]);
    expect(await searchNames(berth, "engineering")).toEqual(["engineering/docs", "engineering/barca", "engineering/madrid"]);
    await dockerd.docker(["logout", berth.host]);
  });
});

describe("docker search with no auth", () => {
  it("lists every repository; top-level ones are OFFICIAL", async () => {
    const berth = await startBerth();
    started.push(berth);
    for (const repository of ["tools", "team/tools-extra", "team/web"]) await pushAs(berth, repository);
    expect(await searchNames(berth, "")).toEqual(["team/tools-extra", "team/web", "tools"]);
    expect(await searchNames(berth, "tools")).toEqual(["tools", "team/tools-extra"]);
    // The Docker client's own columns: OFFICIAL "[OK]" or empty, STARS.
    const official = await ready().dockerd.docker(["search", "--format", "{{.Name}}|{{.IsOfficial}}|{{.StarCount}}", `${berth.host}/tools`]);
    expect(official.trim().split("\n")).toEqual(["tools|[OK]|0", "team/tools-extra||0"]);
  });
});
