/** Schema migrations, applied in order inside one transaction each; user_version records progress. */
import type Database from "better-sqlite3";

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
