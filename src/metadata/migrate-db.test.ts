import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testEvent } from "../notifications/test-events.js";
import { COPY_ORDER, migrateSqliteToPostgres, TargetNotEmptyError } from "./migrate-db.js";
import { PostgresMetadataStore } from "./postgres.js";
import { testPostgres } from "./postgres-test-server.js";
import { SqliteMetadataStore } from "./sqlite.js";
import type { MetadataStore } from "./store.js";
import { manifestRecord } from "./suites/fixture.js";

const postgres = testPostgres();
const AT = "2026-11-28T00:00:00.000Z";
const quiet = { force: false, progress: () => undefined };

/** An SQLite database with rows in every table, through the store's own interface. */
async function populatedSqlite(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), "berth-migrate-")), "berth.sqlite");
  const store = new SqliteMetadataStore(path);
  await store.putManifest(manifestRecord("team/app", "sha256:1", { annotations: { a: "b" } }));
  await store.putManifest(manifestRecord("team/app", "sha256:2", { subject: "sha256:1", artifactType: "sig" }));
  await store.setTag("team/app", "v1", "sha256:1");
  await store.replaceAll({ repositories: ["team/app", "lib"], manifests: [manifestRecord("team/app", "sha256:1"), manifestRecord("team/app", "sha256:2", { subject: "sha256:1", artifactType: "sig" })], tags: [{ repository: "team/app", tag: "v1", digest: "sha256:1" }] });
  await store.settings.set("gc.schedule", "0 0 * * *");
  await store.deleted.add({ id: "d1", kind: "tag", repository: "team/app", tag: "old", digest: "sha256:1", tags: ["old"], manifests: ["sha256:1"], deletedBy: "ann", deletedAt: 5, state: "deleted", restoredBy: null, changedAt: null, gcRun: null });
  const run = await store.gcRuns.start("cli", { dryRun: true, deleteUntagged: true, graceMs: 10 }, "host:1", 1_000, 60_000, () => true);
  if ("run" in run) await store.gcRuns.finish(run.run.id, "succeeded", 2_000, { blobsDeleted: 0 }, null);
  const { holdId } = await store.gcCoordination.hold(["sha256:1"], 3_000);
  await store.gcCoordination.release(holdId, 3_500);
  await store.gcCoordination.claim(1, ["sha256:9"], 0, 99_000);
  await store.access.createUser({ name: "ann", passwordHash: "h", role: "admin", source: "managed", fullName: "Ann", active: true, createdAt: AT });
  await store.access.createUser({ name: "lee", passwordHash: null, role: "none", source: "ldap", fullName: "", active: false, createdAt: AT });
  await store.access.createOrg("team", AT);
  await store.access.addMember("team", "owners", "ann");
  await store.access.putRepository({ name: "team/app", visibility: "public", description: "The app", createdAt: AT });
  await store.access.putGrant({ org: "team", team: "owners", repository: "team/app", level: "admin" });
  await store.access.createRobot({ id: "r1", name: "ci", createdBy: "ann", secretHash: "x", scopeKind: "namespace", scope: "team", access: "push", createdAt: AT, expiresAt: null, revokedAt: null, lastUsedAt: null });
  await store.access.addAudit({ at: AT, actor: "ann", action: "user.create", target: "lee", detail: { role: "none" } });
  await store.activity.record([{ at: AT, kind: "push", actor: "ann", repository: "team/app", tag: "v1", digest: "sha256:1", address: "10.0.0.1" }]);
  await store.sessions.create({ idHash: "s1", user: "ann", source: "managed", csrfToken: "c", createdAt: 1, lastSeenAt: 2, expiresAt: 9_999_999_999_999 });
  // The outbox: two events delivered and pruned, one waiting, so ids handed out exceed what is left.
  await store.outbox.syncEndpoints(["hook"]);
  await store.outbox.append([testEvent({ id: "e1" }), testEvent({ id: "e2" })]);
  await store.outbox.delivered("hook", (await store.outbox.pending("hook", 10)).at(-1)?.seq ?? 0, 2);
  await store.outbox.append([testEvent({ id: "e3" })]);
  await store.close();
  return path;
}

/** What a store answers through its interface: equal for the source and the copy. */
async function snapshot(store: MetadataStore) {
  return {
    repositories: await store.listRepositories({ limit: 100 }),
    tags: await store.listTags("team/app", { limit: 100 }),
    referrers: await store.referrers("team/app", "sha256:1"),
    indexed: await store.isIndexed(),
    setting: await store.settings.get("gc.schedule"),
    deleted: await store.deleted.list({ limit: 10 }),
    runs: await store.gcRuns.list(10),
    claimed: await store.gcCoordination.claimed(["sha256:9"], 1),
    users: await store.access.listUsers({ limit: 10 }),
    teams: await store.access.teamsOf("ann"),
    repository: await store.access.getRepository("team/app"),
    grants: await store.access.grantsOn("team/app"),
    robots: await store.access.listRobots(),
    audit: await store.access.listAudit(10),
    pending: (await store.outbox.pending("hook", 10)).map((entry) => entry.event.id),
    endpoint: await store.outbox.state("hook", { actions: [], mediaTypes: [] }),
    session: await store.sessions.get("s1"),
    activity: await store.activity.list({ limit: 10 }),
    search: await store.search.candidates("app", { offset: 0, limit: 10 }),
  };
}

describe("berth migrate-db: SQLite into PostgreSQL", () => {
  it("copies every table, verifiably, and the copy answers as the original did", async () => {
    const path = await populatedSqlite();
    const target = await postgres.newDatabase();
    const lines: string[] = [];
    const counts = await migrateSqliteToPostgres(path, target, { force: false, progress: (line) => lines.push(line) });
    expect(counts.map((count) => count.table)).toEqual([...COPY_ORDER]);
    for (const count of counts) expect(count.target, count.table).toBe(count.source);
    // Every table had something to copy.
    expect(counts.filter((count) => count.source === 0).map((count) => count.table)).toEqual([]);
    expect(lines).toContain("migrate-db: users: 2/2");

    const sqlite = new SqliteMetadataStore(path);
    const copy = await PostgresMetadataStore.open(target);
    expect(await snapshot(copy)).toEqual(await snapshot(sqlite));

    // New rows continue after the copied ids, and after ids SQLite gave out to rows since deleted.
    const run = await copy.gcRuns.start("cli", { dryRun: true, deleteUntagged: false, graceMs: 0 }, "host:2", 5_000, 60_000, () => true);
    expect("run" in run && run.run.id).toBe(2);
    await copy.outbox.append([testEvent({ id: "e4" })]);
    expect((await copy.outbox.pending("hook", 10)).map((entry) => entry.event.id)).toEqual(["e3", "e4"]);
    await copy.access.addAudit({ at: AT, actor: "ann", action: "x", target: "y", detail: null });
    expect((await copy.access.listAudit(1))[0]?.id).toBe(2);
    await sqlite.close();
    await copy.close();
  });

  it("refuses a target that holds rows unless forced, and forced replaces its contents", async () => {
    const path = await populatedSqlite();
    const target = await postgres.newDatabase();
    const other = await PostgresMetadataStore.open(target);
    await other.putManifest(manifestRecord("stray/repo", "sha256:5"));
    await other.close();
    const error = await migrateSqliteToPostgres(path, target, quiet).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TargetNotEmptyError);
    expect((error as Error).message).toBe("the PostgreSQL database is not empty (repositories: 1, manifests: 1): pass --force to replace its contents");
    const counts = await migrateSqliteToPostgres(path, target, { ...quiet, force: true });
    expect(counts.find((count) => count.table === "repositories")).toEqual({ table: "repositories", source: 2, target: 2 });
    const copy = await PostgresMetadataStore.open(target);
    expect(await copy.listRepositories({ limit: 10 })).toEqual(["lib", "team/app"]);
    await copy.close();
  });

  it("names a missing SQLite file, and leaves the target untouched when the copy fails half-way", async () => {
    const target = await postgres.newDatabase();
    await expect(migrateSqliteToPostgres("/nonexistent/berth.sqlite", target, quiet)).rejects.toThrow("no SQLite database at /nonexistent/berth.sqlite");
    const path = await populatedSqlite();
    // A row PostgreSQL refuses (a user whose role breaks the CHECK): the whole copy rolls back.
    const { default: Database } = await import("better-sqlite3");
    const raw = new Database(path);
    raw.pragma("ignore_check_constraints = ON");
    raw.prepare("INSERT INTO users (name, role, source, created_at) VALUES ('bad', 'superuser', 'managed', ?)").run(AT);
    raw.close();
    await expect(migrateSqliteToPostgres(path, target, quiet)).rejects.toThrow(/users_role_check/);
    const copy = await PostgresMetadataStore.open(target);
    expect(await copy.listRepositories({ limit: 10 })).toEqual([]);
    await copy.close();
  });
});
