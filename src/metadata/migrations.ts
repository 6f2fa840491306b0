/** Schema migrations, applied in order inside one transaction each; user_version records progress. */
import type Database from "better-sqlite3";
import { ACCESS_MIGRATION } from "./sqlite-access-records.js";
import { SESSIONS_MIGRATION } from "./sqlite-session-records.js";
import { ACTIVITY_MIGRATION } from "./sqlite-activity-records.js";

const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE repositories (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
   CREATE TABLE manifests (
     repository TEXT NOT NULL REFERENCES repositories (name) ON DELETE CASCADE,
     digest TEXT NOT NULL,
     media_type TEXT NOT NULL,
     size INTEGER NOT NULL,
     artifact_type TEXT,
     subject TEXT,
     annotations TEXT,
     created_at TEXT NOT NULL,
     PRIMARY KEY (repository, digest)
   );
   CREATE INDEX manifests_by_subject ON manifests (repository, subject) WHERE subject IS NOT NULL;
   CREATE TABLE tags (
     repository TEXT NOT NULL REFERENCES repositories (name) ON DELETE CASCADE,
     tag TEXT NOT NULL,
     digest TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (repository, tag)
   );
   CREATE INDEX tags_by_digest ON tags (repository, digest);`,
  // Soft deletes and garbage collection (issue 5); times are epoch milliseconds.
  `CREATE TABLE deleted_items (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('tag', 'manifest', 'repository')),
     repository TEXT NOT NULL,
     tag TEXT,
     digest TEXT,
     tags TEXT NOT NULL,
     manifests TEXT NOT NULL,
     deleted_by TEXT NOT NULL,
     deleted_at INTEGER NOT NULL,
     state TEXT NOT NULL,
     restored_by TEXT,
     changed_at INTEGER,
     gc_run INTEGER
   );
   CREATE INDEX deleted_items_by_time ON deleted_items (deleted_at, id);
   CREATE INDEX deleted_items_by_state ON deleted_items (state);
   CREATE TABLE gc_runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     trigger TEXT NOT NULL,
     owner TEXT NOT NULL,
     dry_run INTEGER NOT NULL,
     delete_untagged INTEGER NOT NULL,
     grace_ms INTEGER NOT NULL,
     state TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     mark_started_at INTEGER,
     heartbeat_at INTEGER NOT NULL,
     finished_at INTEGER,
     summary TEXT,
     error TEXT
   );
   CREATE TABLE gc_holds (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, released_at INTEGER);
   CREATE TABLE gc_hold_digests (
     hold_id INTEGER NOT NULL REFERENCES gc_holds (id) ON DELETE CASCADE,
     digest TEXT NOT NULL
   );
   CREATE INDEX gc_hold_digests_by_digest ON gc_hold_digests (digest);
   CREATE INDEX gc_hold_digests_by_hold ON gc_hold_digests (hold_id);
   CREATE TABLE gc_claims (digest TEXT PRIMARY KEY, run_id INTEGER NOT NULL, expires_at INTEGER NOT NULL);`,
  // Access control (issue 4): users, organizations, teams, repository settings, grants, robot tokens, audit log.
  ACCESS_MIGRATION,
  // Notification outbox (issue 7): events in order (seq), and each endpoint's cursor and delivery state.
  `CREATE TABLE outbox_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     action TEXT NOT NULL,
     media_type TEXT,
     payload TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE outbox_endpoints (
     name TEXT PRIMARY KEY,
     delivered_seq INTEGER NOT NULL,
     delivered_count INTEGER NOT NULL DEFAULT 0,
     failures INTEGER NOT NULL DEFAULT 0,
     last_error TEXT,
     last_error_at INTEGER,
     last_success_at INTEGER
   );`,
  // Portal sign-in sessions (issue 6).
  SESSIONS_MIGRATION,
  // The portal's event log: pushes, pulls, deletes and restores (issue 6).
  ACTIVITY_MIGRATION,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? "");
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
