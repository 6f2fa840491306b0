/**
 * Berth on PostgreSQL metadata (issue 8): `berth serve` with database.driver postgres indexes
 * pushes in PostgreSQL; `berth reindex` rebuilds a wiped PostgreSQL index from storage;
 * `berth garbage-collect` runs on it; `berth migrate-db` moves a registry that ran on SQLite
 * onto PostgreSQL. The server is Debian's postgresql (e2e/harness/postgres.ts).
 */
import { dirname, join } from "node:path";
import { execFile } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OciLayout, type Descriptor } from "./harness/oci-layout.js";
import { startPostgres, type RunningPostgres } from "./harness/postgres.js";
import { run } from "./harness/run.js";
import { PROJECT_ROOT, requireProgram, startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

const SKOPEO = "/usr/bin/skopeo";
const MAIN = join(PROJECT_ROOT, "dist", "src", "main.js");

let postgres: RunningPostgres | undefined;
let databaseUrl = "";
let root = "";
let layout: OciLayout;
let first: Descriptor;
let second: Descriptor;
const running: RunningRegistry[] = [];

function server(): RunningPostgres {
  if (!postgres) throw new Error("setup failed: PostgreSQL did not start (see the beforeAll error)");
  return postgres;
}

/** What points Berth at this test's PostgreSQL database and storage root. */
function env(): Record<string, string> {
  return { REGISTRY_DATABASE_DRIVER: "postgres", REGISTRY_DATABASE_POSTGRES_URL: databaseUrl, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root };
}

async function berth(): Promise<RunningRegistry> {
  const started = await startBerth({ root, env: env() });
  running.push(started);
  return started;
}

async function query<Row extends pg.QueryResultRow>(sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

function cli(...args: string[]): Promise<string> {
  return run(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env(), REGISTRY_LOG_LEVEL: "warn" } });
}

/** Runs the CLI and answers its exit status and both outputs, failing or not. */
function cliStatus(args: string[], extraEnv: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveStatus) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, ...extraEnv, REGISTRY_LOG_LEVEL: "warn" } }, (error, stdout, stderr) => {
      resolveStatus({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function copyIn(registry: RunningRegistry, name: string, ref: string): Promise<void> {
  await run(SKOPEO, ["--insecure-policy", "copy", "--dest-tls-verify=false", `oci:${layout.dir}:${name}`, `docker://${registry.host}/${ref}`]);
}

async function catalog(registry: RunningRegistry): Promise<string[]> {
  return ((await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] }).repositories;
}

beforeAll(async () => {
  requireProgram(SKOPEO, "skopeo");
  postgres = await startPostgres();
  databaseUrl = await postgres.createDatabase("berth");
  root = tempDir("berth-pg-data");
  layout = new OciLayout(join(tempDir("berth-pg-layout"), "layout"));
  first = layout.image({ layerSizes: [4096] });
  second = layout.image({ layerSizes: [8192, 1024] });
  layout.tag("first", first);
  layout.tag("second", second);
});

afterAll(async () => {
  await Promise.all(running.map((registry) => registry.stop()));
  await postgres?.stop();
});

describe("Berth on PostgreSQL", () => {
  it("indexes pushes in PostgreSQL and serves the catalog and tags from it", async () => {
    server();
    const registry = await berth();
    await copyIn(registry, "first", "team/app:v1");
    await copyIn(registry, "second", "team/app:v2");
    await copyIn(registry, "second", "other/tool:latest");
    expect(await catalog(registry)).toEqual(["other/tool", "team/app"]);
    const tags = (await (await fetch(`${registry.url}/v2/team/app/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(["v1", "v2"]);
    expect(await query<{ repository: string; tag: string; digest: string }>("SELECT repository, tag, digest FROM tags ORDER BY repository, tag")).toEqual([
      { repository: "other/tool", tag: "latest", digest: second.digest },
      { repository: "team/app", tag: "v1", digest: first.digest },
      { repository: "team/app", tag: "v2", digest: second.digest },
    ]);
    await registry.stop();
  });

  it("berth reindex rebuilds a wiped PostgreSQL index from storage", async () => {
    await query("DELETE FROM repositories; DELETE FROM meta");
    expect(await query("SELECT * FROM manifests")).toEqual([]);
    await cli("reindex");
    expect(await query<{ name: string }>("SELECT name FROM repositories ORDER BY name")).toEqual([{ name: "other/tool" }, { name: "team/app" }]);
    expect(await query<{ digest: string }>("SELECT digest FROM manifests WHERE repository = 'team/app' ORDER BY digest")).toEqual(
      [first.digest, second.digest].sort().map((digest) => ({ digest })),
    );
    const registry = await berth();
    expect(await catalog(registry)).toEqual(["other/tool", "team/app"]);
    const pulled = JSON.parse(
      await run(SKOPEO, ["--insecure-policy", "inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/team/app:v1`]),
    ) as { layers: { digest: string }[] };
    expect(pulled.layers).toHaveLength(1);
    await registry.stop();
  });

  it("berth garbage-collect runs on PostgreSQL and records its run there", async () => {
    const output = await cli("garbage-collect", "--dry-run", "--json");
    const report = JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as { state: string; dryRun: boolean };
    expect(report).toMatchObject({ state: "succeeded", dryRun: true });
    expect(await query<{ state: string }>("SELECT state FROM gc_runs")).toEqual([{ state: "succeeded" }]);
  });

  it("berth serve refuses to start, naming the server, when PostgreSQL is unreachable", async () => {
    const url = new URL(databaseUrl);
    url.password = "wrong";
    await expect(
      run(process.execPath, [MAIN, "serve"], { env: { ...process.env, ...env(), REGISTRY_DATABASE_POSTGRES_URL: url.toString() } }),
    ).rejects.toThrow(/berth: PostgreSQL at 127\.0\.0\.1:\d+, database "berth": password authentication failed/);
  });

  it("berth migrate-db moves a registry that ran on SQLite onto PostgreSQL", async () => {
    // A registry on SQLite, with its own storage root: a push, and an organization.
    const sqliteRoot = tempDir("berth-sqlite-data");
    const onSqlite = await startBerth({ root: sqliteRoot });
    running.push(onSqlite);
    await copyIn(onSqlite, "first", "moved/app:v1");
    await onSqlite.stop();
    const sqlitePath = join(dirname(onSqlite.logFile), "berth.sqlite");
    const sqliteEnv = { REGISTRY_DATABASE_PATH: sqlitePath, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: sqliteRoot };
    const created = await cliStatus(["org", "add", "moved"], sqliteEnv);
    expect(created.code, created.stderr).toBe(0);

    const target = await server().createDatabase("moved");
    const postgresEnv = { ...sqliteEnv, REGISTRY_DATABASE_DRIVER: "postgres", REGISTRY_DATABASE_POSTGRES_URL: target };
    const migrated = await cliStatus(["migrate-db"], postgresEnv);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stderr).toContain(`berth migrate-db: copying ${sqlitePath} into PostgreSQL 127.0.0.1:`);
    expect(migrated.stderr).toMatch(/migrate-db: manifests: 1\/1/);
    expect(migrated.stderr).toMatch(/done: \d+ rows in \d+ tables, every table's count verified/);
    expect(migrated.stdout).toMatch(/^repositories +1$/m);
    expect(migrated.stdout).toMatch(/^tags +1$/m);

    // Twice: the target is no longer empty.
    const again = await cliStatus(["migrate-db"], postgresEnv);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/the PostgreSQL database is not empty \(.*repositories: 1.*\): pass --force to replace its contents/);
    expect((await cliStatus(["migrate-db", "--force"], postgresEnv)).code).toBe(0);
    // A config still on SQLite is a usage error.
    const wrongDriver = await cliStatus(["migrate-db"], sqliteEnv);
    expect(wrongDriver.code).toBe(2);
    expect(wrongDriver.stderr).toContain("database.driver is sqlite");

    const onPostgres = await startBerth({ root: sqliteRoot, env: { REGISTRY_DATABASE_DRIVER: "postgres", REGISTRY_DATABASE_POSTGRES_URL: target } });
    running.push(onPostgres);
    expect(await catalog(onPostgres)).toEqual(["moved/app"]);
    const tags = (await (await fetch(`${onPostgres.url}/v2/moved/app/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(["v1"]);
    await onPostgres.stop();
    const orgs = await cliStatus(["org", "list", "--json"], postgresEnv);
    expect(orgs.stdout).toContain('"moved"');
  });
});
