/** The embedded metadata index on better-sqlite3 (WAL mode). */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DeletedRecords, GcCoordination, GcRuns, Settings } from "./gc-records.js";
import type { AccessRecords } from "./access-records.js";
import type { NotificationEvent } from "../notifications/events.js";
import { SqliteOutbox } from "../notifications/sqlite-outbox.js";
import { migrate } from "./migrations.js";
import { SqliteAccessRecords } from "./sqlite-access-records.js";
import { SqliteRepositorySearch } from "./sqlite-search.js";
import type { RepositorySearch } from "./search-records.js";
import { SqliteSessionRecords } from "./sqlite-session-records.js";
import type { SessionRecords } from "./session-records.js";
import { BatchedActivityLog } from "./batched-activity-log.js";
import { SqliteActivityLog } from "./sqlite-activity-records.js";
import { SqliteDeletedRecords, SqliteGcCoordination, SqliteGcRuns, SqliteSettings } from "./sqlite-gc-records.js";
import { toRecord, type ManifestRow } from "./rows.js";
import type { ManifestRecord, MetadataStore, Page, ReindexSnapshot } from "./store.js";

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly statements;
  readonly deleted: DeletedRecords;
  readonly gcRuns: GcRuns;
  readonly gcCoordination: GcCoordination;
  readonly settings: Settings;
  readonly access: AccessRecords;
  readonly outbox: SqliteOutbox;
  readonly search: RepositorySearch;
  readonly sessions: SessionRecords;
  readonly activity: BatchedActivityLog;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    migrate(this.db);
    const db = this.db;
    this.deleted = new SqliteDeletedRecords(db);
    this.gcRuns = new SqliteGcRuns(db);
    this.gcCoordination = new SqliteGcCoordination(db);
    this.settings = new SqliteSettings(db);
    this.access = new SqliteAccessRecords(db);
    this.outbox = new SqliteOutbox(db);
    this.search = new SqliteRepositorySearch(db);
    this.sessions = new SqliteSessionRecords(db);
    this.activity = new BatchedActivityLog(new SqliteActivityLog(db));
    this.statements = {
      insertRepository: db.prepare("INSERT OR IGNORE INTO repositories (name, created_at) VALUES (?, ?)"),
      upsertManifest: db.prepare(
        `INSERT INTO manifests (repository, digest, media_type, size, artifact_type, subject, annotations, created_at)
         VALUES (@repository, @digest, @media_type, @size, @artifact_type, @subject, @annotations, @created_at)
         ON CONFLICT (repository, digest) DO UPDATE SET media_type = excluded.media_type, size = excluded.size,
           artifact_type = excluded.artifact_type, subject = excluded.subject, annotations = excluded.annotations`,
      ),
      deleteManifest: db.prepare("DELETE FROM manifests WHERE repository = ? AND digest = ?"),
      deleteTagsOf: db.prepare("DELETE FROM tags WHERE repository = ? AND digest = ?"),
      upsertTag: db.prepare(
        `INSERT INTO tags (repository, tag, digest, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at`,
      ),
      deleteTag: db.prepare("DELETE FROM tags WHERE repository = ? AND tag = ?"),
      repositoryExists: db.prepare("SELECT 1 FROM repositories WHERE name = ?").pluck(),
      listRepositories: db.prepare("SELECT name FROM repositories WHERE name > ? ORDER BY name LIMIT ?").pluck(),
      listTags: db.prepare("SELECT tag FROM tags WHERE repository = ? AND tag > ? ORDER BY tag LIMIT ?").pluck(),
      referrers: db.prepare("SELECT * FROM manifests WHERE repository = ? AND subject = ? ORDER BY digest"),
      referrersOfType: db.prepare(
        "SELECT * FROM manifests WHERE repository = ? AND subject = ? AND artifact_type = ? ORDER BY digest",
      ),
      getMeta: db.prepare("SELECT value FROM meta WHERE key = ?").pluck(),
      setMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    };
  }

  private insertManifest(record: ManifestRecord, now: string): void {
    this.statements.insertRepository.run(record.repository, now);
    this.statements.upsertManifest.run({
      repository: record.repository,
      digest: record.digest,
      media_type: record.mediaType,
      size: record.size,
      artifact_type: record.artifactType,
      subject: record.subject,
      annotations: record.annotations === null ? null : JSON.stringify(record.annotations),
      created_at: now,
    });
  }

  async putManifest(record: ManifestRecord, events: readonly NotificationEvent[] = []): Promise<void> {
    this.db.transaction(() => {
      this.insertManifest(record, new Date().toISOString());
      this.outbox.appendInTransaction(events);
    })();
  }

  async deleteManifest(repository: string, digest: string, events: readonly NotificationEvent[] = []): Promise<void> {
    this.db.transaction(() => {
      this.statements.deleteTagsOf.run(repository, digest);
      this.statements.deleteManifest.run(repository, digest);
      this.outbox.appendInTransaction(events);
    })();
  }

  async setTag(repository: string, tag: string, digest: string): Promise<void> {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.statements.insertRepository.run(repository, now);
      this.statements.upsertTag.run(repository, tag, digest, now);
    })();
  }

  async deleteTag(repository: string, tag: string, events: readonly NotificationEvent[] = []): Promise<void> {
    this.db.transaction(() => {
      this.statements.deleteTag.run(repository, tag);
      this.outbox.appendInTransaction(events);
    })();
  }

  async deleteRepository(repository: string): Promise<void> {
    this.db.prepare("DELETE FROM repositories WHERE name = ?").run(repository);
  }

  async repositoryExists(repository: string): Promise<boolean> {
    return this.statements.repositoryExists.get(repository) !== undefined;
  }

  async listRepositories(page: Page): Promise<string[]> {
    return this.statements.listRepositories.all(page.after ?? "", page.limit) as string[];
  }

  async listTags(repository: string, page: Page): Promise<string[]> {
    return this.statements.listTags.all(repository, page.after ?? "", page.limit) as string[];
  }

  async referrers(repository: string, subject: string, artifactType?: string): Promise<ManifestRecord[]> {
    const rows = (
      artifactType === undefined
        ? this.statements.referrers.all(repository, subject)
        : this.statements.referrersOfType.all(repository, subject, artifactType)
    ) as ManifestRow[];
    return rows.map(toRecord);
  }

  async replaceAll(snapshot: ReindexSnapshot): Promise<void> {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db.exec("DELETE FROM tags; DELETE FROM manifests; DELETE FROM repositories;");
      for (const name of snapshot.repositories) this.statements.insertRepository.run(name, now);
      for (const manifest of snapshot.manifests) this.insertManifest(manifest, now);
      for (const { repository, tag, digest } of snapshot.tags) this.statements.upsertTag.run(repository, tag, digest, now);
      this.statements.setMeta.run("indexed_at", now);
    })();
  }

  now(): number {
    return Date.now();
  }

  async isIndexed(): Promise<boolean> {
    return this.statements.getMeta.get("indexed_at") !== undefined;
  }

  async close(): Promise<void> {
    await this.activity.flush();
    this.db.close();
  }
}
