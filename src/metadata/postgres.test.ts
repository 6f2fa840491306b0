import pg from "pg";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createDriver } from "../../storage-drivers/index.js";
import { loadConfig } from "../config/index.js";
import { GarbageCollector } from "../gc/collector.js";
import { GcScheduler } from "../gc/scheduler.js";
import { RegistryError } from "../registry/errors.js";
import { Registry } from "../registry/registry.js";
import { NotificationDispatcher } from "../notifications/dispatcher.js";
import { TestReceiver } from "../notifications/test-receiver.js";
import { testEvent } from "../notifications/test-events.js";
import { PostgresMetadataStore } from "./postgres.js";
import { POSTGRES_MIGRATIONS } from "./postgres-migrations.js";
import { testPostgres } from "./postgres-test-server.js";
import { manifestRecord } from "./suites/fixture.js";
import { runMetadataSuites } from "./suites/index.js";

const postgres = testPostgres();

runMetadataSuites(postgres.factory);

/** Several stores on one database: what replicas sharing PostgreSQL do at once. */
async function replicas(count: number): Promise<PostgresMetadataStore[]> {
  const config = await postgres.newDatabase();
  return Promise.all(Array.from({ length: count }, () => PostgresMetadataStore.open(config)));
}

const closeAll = (stores: PostgresMetadataStore[]) => Promise.all(stores.map((store) => store.close()));

describe("PostgreSQL shared by replicas", () => {
  it("replicas opening a new database at once migrate it once", async () => {
    const stores = await replicas(4);
    const { rows } = await stores[0]!.db.query<{ version: number }>("SELECT version FROM schema_version");
    expect(rows).toEqual([{ version: POSTGRES_MIGRATIONS.length }]);
    await closeAll(stores);
  });

  it("refuses a schema newer than it knows, naming the server and database", async () => {
    const config = await postgres.newDatabase();
    const store = await PostgresMetadataStore.open(config);
    await store.db.query("UPDATE schema_version SET version = 999");
    await store.close();
    await expect(PostgresMetadataStore.open(config)).rejects.toThrow(
      `PostgreSQL at ${config.host}:${config.port}, database "${config.database}": the PostgreSQL schema is at version 999, newer than this Berth knows (${POSTGRES_MIGRATIONS.length}): upgrade Berth`,
    );
  });

  it("fails to open with a message naming the server when it cannot connect", async () => {
    const config = { ...(await postgres.newDatabase()), password: "wrong" };
    await expect(PostgresMetadataStore.open(config)).rejects.toThrow(/PostgreSQL at 127\.0\.0\.1:\d+, database "test_.*": password authentication failed/);
  });

  it("garbage collection runs started on several replicas at the same moment: exactly one starts", async () => {
    const stores = await replicas(5);
    const now = Date.now();
    const options = { dryRun: false, deleteUntagged: false, graceMs: 0 };
    const results = await Promise.all(stores.map((store, i) => store.gcRuns.start("api", options, `host${i}:1`, now, 60_000, () => true)));
    const started = results.filter((result) => "run" in result);
    expect(started).toHaveLength(1);
    const winner = "run" in started[0]! ? started[0].run : undefined;
    for (const result of results) if ("busy" in result) expect(result.busy.id).toBe(winner?.id);
    await closeAll(stores);
  });

  it("a writer's hold racing a collector's claim on the same digest: never both go ahead", async () => {
    const [writer, collector] = await replicas(2);
    const digests = Array.from({ length: 150 }, (_, i) => `sha256:${i}`);
    const outcomes = await Promise.all(
      digests.map(async (digest, i) => {
        const hold = () => writer!.gcCoordination.hold([digest], Date.now());
        const claim = () => collector!.gcCoordination.claim(1, [digest], 0, Date.now() + 60_000);
        // Half the races start with the claim, half with the hold, so both orders happen.
        const [held, claimed] = i % 2 === 0 ? await Promise.all([hold(), claim()]) : await Promise.all([claim(), hold()]).then(([c, h]) => [h, c] as const);
        return { writerSawClaim: held.claimed.includes(digest), collectorClaimed: claimed.includes(digest) };
      }),
    );
    // Claimed and unseen by the writer would let a push reference a blob being deleted.
    expect(outcomes.filter((o) => o.collectorClaimed && !o.writerSawClaim)).toEqual([]);
    // Both orders happened (otherwise the race was not tested): claims first, and holds first.
    const claimsFirst = outcomes.filter((o) => o.collectorClaimed).length;
    expect([claimsFirst > 0, claimsFirst < outcomes.length], `${claimsFirst} of ${outcomes.length} claims went first`).toEqual([true, true]);
    await closeAll([writer!, collector!]);
  });

  it("events appended concurrently by several replicas are each read once, none skipped, by a reader running meanwhile", async () => {
    const [reader, ...stores] = await replicas(4);
    await reader!.outbox.syncEndpoints(["hook"]);
    const seen: string[] = [];
    let writing = true;
    const read = (async () => {
      for (;;) {
        const entries = await reader!.outbox.pending("hook", 50);
        seen.push(...entries.map((entry) => entry.event.id));
        const last = entries.at(-1);
        if (last) await reader!.outbox.delivered("hook", last.seq, entries.length);
        else if (!writing) return;
        else await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const perReplica = 150;
    await Promise.all(
      stores.map(async (store, r) => {
        await Promise.all(
          Array.from({ length: perReplica }, (_, i) =>
            i % 3 === 0
              ? store.putManifest(manifestRecord(`repo${r}`, `sha256:${i}`), [testEvent({ id: `${r}-${i}` })])
              : i % 3 === 1
                ? store.outbox.append([testEvent({ id: `${r}-${i}` })])
                : // A change whose transaction goes on after its events are stored: commits late.
                  store.db.transaction(async (tx) => {
                    await store.outbox.appendInTransaction(tx, [testEvent({ id: `${r}-${i}` })]);
                    await new Promise((resolve) => setTimeout(resolve, (i * 7) % 30));
                  }),
          ),
        );
      }),
    );
    writing = false;
    await read;
    expect(seen).toHaveLength(3 * perReplica);
    expect(new Set(seen).size).toBe(3 * perReplica);
    await closeAll([reader!, ...stores]);
  });

  it("keeps names in byte order whatever the database's collation", async () => {
    const config = await postgres.newDatabase();
    const admin = new pg.Client({ host: config.host, port: config.port, user: config.user, password: config.password, database: "postgres" });
    await admin.connect();
    const name = `${config.database}_utf8`;
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`);
    await admin.end();
    const store = await PostgresMetadataStore.open({ ...config, database: name });
    for (const repository of ["b", "B", "a", "_x", "é"]) await store.putManifest(manifestRecord(repository, "sha256:1"));
    expect(await store.listRepositories({ limit: 10 })).toEqual(["B", "_x", "a", "b", "é"]);
    await store.close();
  });

  it("a gc schedule ticking on several replicas collects once per tick", async () => {
    const stores = await replicas(3);
    const config = loadConfig({ env: {} });
    config.gc.schedule = "* * * * * *";
    config.gc.grace = 0;
    const driver = createDriver("inmemory", {});
    const skipped: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void (line.includes("another process took this tick") && skipped.push(line)) });
    const schedulers = stores.map((store) => new GcScheduler(new GarbageCollector(driver, store), store, config, logger));
    await Promise.all(schedulers.map((scheduler) => scheduler.start()));
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    schedulers.forEach((scheduler) => scheduler.stop());
    await new Promise((resolve) => setTimeout(resolve, 500));
    const runs = (await stores[0]!.gcRuns.list(100)).filter((run) => run.trigger === "schedule");
    const ticks = await stores[0]!.settings.get("gc.schedule.lasttick");
    // One run per tick (each tick a different second), not one per replica and tick.
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThanOrEqual(6);
    expect(skipped.length).toBeGreaterThanOrEqual(runs.length);
    expect(ticks).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    await closeAll(stores);
  });

  it("two replicas appending the same offset to one upload session: one chunk is stored, the other gets 416", async () => {
    const stores = await replicas(2);
    const driver = createDriver("inmemory", {});
    const [first, second] = stores.map((store) => new Registry(driver, store).repository("race/upload"));
    // A body that yields between pieces, so two appends without a shared lease would interleave.
    async function* body(fill: number): AsyncIterable<Uint8Array> {
      for (let piece = 0; piece < 10; piece++) {
        await new Promise((resolve) => setImmediate(resolve));
        yield new Uint8Array(10_000).fill(fill);
      }
    }
    const chunk = (fill: number) => ({ body: body(fill), range: { start: 0, end: 99_999 }, length: 100_000 });
    for (let round = 0; round < 10; round++) {
      const { uuid } = await first!.uploads.create();
      const outcomes = await Promise.allSettled([first!.uploads.append(uuid, chunk(1)), second!.uploads.append(uuid, chunk(2))]);
      const rejected = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toBeInstanceOf(RegistryError);
      expect((rejected[0] as RegistryError).status).toBe(416);
      expect((await second!.uploads.status(uuid)).size).toBe(100_000);
    }
    // A lease left by a replica killed mid-request is taken over once it expired.
    const leases = stores[0]!.uploadLeases;
    const now = stores[0]!.now();
    expect(await leases.acquire("dead", "killed", now - 1, now - 30_000)).toBe(true);
    expect(await leases.acquire("dead", "next", now + 30_000, now)).toBe(true);
    expect(await leases.acquire("dead", "third", now + 30_000, now)).toBe(false);
    await leases.release("dead", "next", now);
    expect(await leases.acquire("dead", "third", now + 30_000, now)).toBe(true);
    await closeAll(stores);
  });

  it("an endpoint's delivery claim is one replica's at a time; a replica dying mid-delivery leaves its events to the next", async () => {
    const [a, b] = await replicas(2);
    await a!.outbox.syncEndpoints(["hook"]);
    await a!.outbox.append([testEvent({ id: "x1" }), testEvent({ id: "x2" })]);
    const held = await a!.outbox.claim("hook");
    expect((await held?.pending(10))?.map((entry) => entry.event.id)).toEqual(["x1", "x2"]);
    expect(await b!.outbox.claim("hook")).toBeNull();
    // Replica a dies with the claim: PostgreSQL ends its session, and its transaction with it.
    await b!.db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle in transaction'");
    let next = await b!.outbox.claim("hook");
    for (let i = 0; next === null && i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      next = await b!.outbox.claim("hook");
    }
    const again = (await next?.pending(10)) ?? [];
    expect(again.map((entry) => entry.event.id)).toEqual(["x1", "x2"]);
    await next?.delivered(again.at(-1)?.seq ?? 0, 2);
    expect(await a!.outbox.pending("hook", 10)).toEqual([]);
    await expect(held!.release()).rejects.toThrow();
    await closeAll([a!, b!]);
  });

  it("webhooks from 3 replicas' dispatchers: each event delivered exactly once, in order", async () => {
    const stores = await replicas(3);
    const hook = new TestReceiver();
    await hook.start();
    const endpoint = { name: "hook", url: hook.url, disabled: false, headers: {}, timeout: 2_000, threshold: 3, backoff: 50, ignore: { mediatypes: [], actions: [] } };
    const logger = pino({ level: "silent" });
    const dispatchers = stores.map((store) => new NotificationDispatcher({ endpoints: [endpoint], outbox: store.outbox, logger }));
    for (const dispatcher of dispatchers) await dispatcher.start();
    const events = Array.from({ length: 300 }, (_, i) => testEvent({ id: `push-${i}` }));
    // Pushes land on every replica, a few at a time.
    for (let i = 0; i < events.length; i += 10) {
      await Promise.all(events.slice(i, i + 10).map((event, j) => stores[(i + j) % 3]!.putManifest(manifestRecord("app", `sha256:${i + j}`), [event])));
    }
    await hook.waitFor(() => hook.received().length >= events.length, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop(1_000)));
    const received = hook.received().map((event) => event.id);
    expect(received).toHaveLength(events.length);
    expect(new Set(received).size).toBe(events.length);
    // In the order they were stored: every event of a batch before any of the next batch.
    const batches = received.map((id) => Math.floor(Number(id.slice("push-".length)) / 10));
    expect(batches).toEqual([...batches].sort((x, y) => x - y));
    await hook.stop();
    await closeAll(stores);
  });
});
