/**
 * The metadata index on PostgreSQL, for several Berth replicas sharing one database.
 * Same tables and behaviour as the SQLite store (sqlite.ts); open() migrates the schema first.
 */
import type { PostgresConfig } from "../config/types.js";
import type { NotificationEvent } from "../notifications/events.js";
import { PostgresOutbox } from "../notifications/postgres-outbox.js";
import type { AccessRecords } from "./access-records.js";
import { BatchedActivityLog } from "./batched-activity-log.js";
import type { DeletedRecords, GcCoordination, GcRuns, Settings } from "./gc-records.js";
import { PostgresAccessRecords } from "./postgres-access-records.js";
import { DatabaseClock } from "./postgres-clock.js";
import { PostgresActivityLog } from "./postgres-activity-records.js";
import { PostgresLoginFailures } from "./postgres-login-failures.js";
import { PostgresUploadLeases } from "./postgres-upload-leases.js";
import { PostgresDeletedRecords, PostgresGcCoordination, PostgresGcRuns, PostgresSettings } from "./postgres-gc-records.js";
import { migratePostgres } from "./postgres-migrations.js";
import { PgDatabase, poolConfig, type Queryable } from "./postgres-pool.js";
import { PostgresRepositorySearch } from "./postgres-search.js";
import { PostgresSessionRecords } from "./postgres-session-records.js";
import { toRecord, type ManifestRow } from "./rows.js";
import type { RepositorySearch } from "./search-records.js";
import type { SessionRecords } from "./session-records.js";
import type { ManifestRecord, MetadataStore, Page, ReindexSnapshot } from "./store.js";

const INSERT_REPOSITORY = "INSERT INTO repositories (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
const UPSERT_TAG = `INSERT INTO tags (repository, tag, digest, updated_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at`;
/** Rows per multi-row INSERT when replacing the whole index. */
const REINDEX_BATCH = 1_000;

async function insertManifest(tx: Queryable, record: ManifestRecord, now: string): Promise<void> {
  await tx.query(INSERT_REPOSITORY, [record.repository, now]);
  await tx.query(
    `INSERT INTO manifests (repository, digest, media_type, size, artifact_type, subject, annotations, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (repository, digest) DO UPDATE SET media_type = excluded.media_type, size = excluded.size,
       artifact_type = excluded.artifact_type, subject = excluded.subject, annotations = excluded.annotations`,
    [
      record.repository,
      record.digest,
      record.mediaType,
      record.size,
      record.artifactType,
      record.subject,
      record.annotations === null ? null : JSON.stringify(record.annotations),
      now,
    ],
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export class PostgresMetadataStore implements MetadataStore {
  readonly deleted: DeletedRecords;
  readonly gcRuns: GcRuns;
  readonly gcCoordination: GcCoordination;
  readonly settings: Settings;
  readonly access: AccessRecords;
  readonly outbox: PostgresOutbox;
  readonly search: RepositorySearch;
  readonly sessions: SessionRecords;
  readonly activity: BatchedActivityLog;
  readonly loginFailures: PostgresLoginFailures;
  readonly uploadLeases: PostgresUploadLeases;

  private readonly clock: DatabaseClock;

  private constructor(readonly db: PgDatabase) {
    this.clock = new DatabaseClock(db);
    this.deleted = new PostgresDeletedRecords(db);
    this.gcRuns = new PostgresGcRuns(db);
    this.gcCoordination = new PostgresGcCoordination(db);
    this.settings = new PostgresSettings(db);
    this.access = new PostgresAccessRecords(db);
    this.outbox = new PostgresOutbox(db);
    this.search = new PostgresRepositorySearch(db);
    this.sessions = new PostgresSessionRecords(db);
    this.activity = new BatchedActivityLog(new PostgresActivityLog(db));
    this.loginFailures = new PostgresLoginFailures(db);
    this.uploadLeases = new PostgresUploadLeases(db);
  }

  /** Connects, brings the schema up to date, and answers the store. */
  static async open(config: PostgresConfig): Promise<PostgresMetadataStore> {
    const db = new PgDatabase(poolConfig(config));
    try {
      await migratePostgres(db);
    } catch (error) {
      await db.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`PostgreSQL at ${config.host}:${config.port}, database "${config.database}": ${reason}`);
    }
    const store = new PostgresMetadataStore(db);
    await store.clock.start();
    return store;
  }

  /** Runs a change with its events in one transaction, then tells the outbox's listeners. */
  private async change(events: readonly NotificationEvent[], work: (tx: Queryable) => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await work(tx);
      await this.outbox.appendInTransaction(tx, events);
    });
    if (events.length > 0) this.outbox.notifyAppended();
  }

  async putManifest(record: ManifestRecord, events: readonly NotificationEvent[] = []): Promise<void> {
    await this.change(events, (tx) => insertManifest(tx, record, new Date().toISOString()));
  }

  async deleteManifest(repository: string, digest: string, events: readonly NotificationEvent[] = []): Promise<void> {
    await this.change(events, async (tx) => {
      await tx.query("DELETE FROM tags WHERE repository = $1 AND digest = $2", [repository, digest]);
      await tx.query("DELETE FROM manifests WHERE repository = $1 AND digest = $2", [repository, digest]);
    });
  }

  async setTag(repository: string, tag: string, digest: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction(async (tx) => {
      await tx.query(INSERT_REPOSITORY, [repository, now]);
      await tx.query(UPSERT_TAG, [repository, tag, digest, now]);
    });
  }

  async deleteTag(repository: string, tag: string, events: readonly NotificationEvent[] = []): Promise<void> {
    await this.change(events, async (tx) => {
      await tx.query("DELETE FROM tags WHERE repository = $1 AND tag = $2", [repository, tag]);
    });
  }

  async deleteRepository(repository: string): Promise<void> {
    await this.db.query("DELETE FROM repositories WHERE name = $1", [repository]);
  }

  async repositoryExists(repository: string): Promise<boolean> {
    return (await this.db.query("SELECT 1 FROM repositories WHERE name = $1", [repository])).rowCount === 1;
  }

  async listRepositories(page: Page): Promise<string[]> {
    const { rows } = await this.db.query<{ name: string }>("SELECT name FROM repositories WHERE name > $1 ORDER BY name LIMIT $2", [
      page.after ?? "",
      page.limit,
    ]);
    return rows.map((row) => row.name);
  }

  async listTags(repository: string, page: Page): Promise<string[]> {
    const { rows } = await this.db.query<{ tag: string }>(
      "SELECT tag FROM tags WHERE repository = $1 AND tag > $2 ORDER BY tag LIMIT $3",
      [repository, page.after ?? "", page.limit],
    );
    return rows.map((row) => row.tag);
  }

  async referrers(repository: string, subject: string, artifactType?: string): Promise<ManifestRecord[]> {
    const { rows } =
      artifactType === undefined
        ? await this.db.query<ManifestRow>("SELECT * FROM manifests WHERE repository = $1 AND subject = $2 ORDER BY digest", [repository, subject])
        : await this.db.query<ManifestRow>(
            "SELECT * FROM manifests WHERE repository = $1 AND subject = $2 AND artifact_type = $3 ORDER BY digest",
            [repository, subject, artifactType],
          );
    return rows.map(toRecord);
  }

  async replaceAll(snapshot: ReindexSnapshot): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction(async (tx) => {
      await tx.query("DELETE FROM tags");
      await tx.query("DELETE FROM manifests");
      await tx.query("DELETE FROM repositories");
      // Multi-row inserts from arrays: one round trip per batch, not per row.
      for (const batch of chunks(snapshot.repositories, REINDEX_BATCH)) {
        await tx.query("INSERT INTO repositories (name, created_at) SELECT name, $2 FROM unnest($1::text[]) AS name ON CONFLICT DO NOTHING", [batch, now]);
      }
      for (const batch of chunks(snapshot.manifests, REINDEX_BATCH)) {
        await tx.query("INSERT INTO repositories (name, created_at) SELECT DISTINCT name, $2 FROM unnest($1::text[]) AS name ON CONFLICT DO NOTHING", [
          batch.map((m) => m.repository),
          now,
        ]);
        await tx.query(
          `INSERT INTO manifests (repository, digest, media_type, size, artifact_type, subject, annotations, created_at)
           SELECT r, d, t, s, a, sub, ann, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
             AS m (r, d, t, s, a, sub, ann)
           ON CONFLICT (repository, digest) DO UPDATE SET media_type = excluded.media_type, size = excluded.size,
             artifact_type = excluded.artifact_type, subject = excluded.subject, annotations = excluded.annotations`,
          [
            batch.map((m) => m.repository),
            batch.map((m) => m.digest),
            batch.map((m) => m.mediaType),
            batch.map((m) => m.size),
            batch.map((m) => m.artifactType),
            batch.map((m) => m.subject),
            batch.map((m) => (m.annotations === null ? null : JSON.stringify(m.annotations))),
            now,
          ],
        );
      }
      for (const batch of chunks(snapshot.tags, REINDEX_BATCH)) {
        await tx.query(
          `INSERT INTO tags (repository, tag, digest, updated_at)
           SELECT r, t, d, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS x (r, t, d)
           ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at`,
          [batch.map((t) => t.repository), batch.map((t) => t.tag), batch.map((t) => t.digest), now],
        );
      }
      await tx.query("INSERT INTO meta (key, value) VALUES ('indexed_at', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [now]);
    });
  }

  now(): number {
    return this.clock.now();
  }

  async isIndexed(): Promise<boolean> {
    return (await this.db.query("SELECT 1 FROM meta WHERE key = 'indexed_at'")).rowCount === 1;
  }

  async close(): Promise<void> {
    this.clock.stop();
    await this.activity.flush();
    await this.db.close();
  }
}
