/** The activity log in SQLite (see activity-records.ts). */
import type Database from "better-sqlite3";
import type { ActivityEntry, ActivityFilter, ActivityLog } from "./activity-records.js";

export const ACTIVITY_MIGRATION = `CREATE TABLE activity (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     kind TEXT NOT NULL,
     actor TEXT NOT NULL,
     repository TEXT NOT NULL,
     tag TEXT,
     digest TEXT,
     address TEXT NOT NULL
   );
   CREATE INDEX activity_by_repository ON activity (repository, id);
   CREATE INDEX activity_by_actor ON activity (actor, id);`;

export class SqliteActivityLog implements ActivityLog {
  constructor(private readonly db: Database.Database) {}

  async record(entries: readonly Omit<ActivityEntry, "id">[]): Promise<void> {
    if (entries.length === 0) return;
    const insert = this.db.prepare(
      "INSERT INTO activity (at, kind, actor, repository, tag, digest, address) VALUES (@at, @kind, @actor, @repository, @tag, @digest, @address)",
    );
    this.db.transaction(() => {
      for (const entry of entries) insert.run(entry);
    })();
  }

  async list(filter: ActivityFilter): Promise<ActivityEntry[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.before !== undefined) {
      where.push("id < ?");
      params.push(filter.before);
    }
    if (filter.kinds && filter.kinds.length > 0) {
      where.push(`kind IN (${filter.kinds.map(() => "?").join(", ")})`);
      params.push(...filter.kinds);
    }
    for (const key of ["actor", "repository", "tag"] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      where.push(`${key} = ?`);
      params.push(value);
    }
    const sql = `SELECT * FROM activity ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
    return this.db.prepare(sql).all(...params, filter.limit) as ActivityEntry[];
  }

  async prune(before: string, keep: number): Promise<number> {
    const old = this.db.prepare("DELETE FROM activity WHERE at < ?").run(before).changes;
    const cutoff = this.db.prepare("SELECT id FROM activity ORDER BY id DESC LIMIT 1 OFFSET ?").pluck().get(keep) as number | undefined;
    const extra = cutoff === undefined ? 0 : this.db.prepare("DELETE FROM activity WHERE id <= ?").run(cutoff).changes;
    return old + extra;
  }
}
