/** Portal sessions in SQLite (see session-records.ts). */
import type Database from "better-sqlite3";
import { toSession, type SessionRow } from "./rows.js";
import type { SessionRecord, SessionRecords } from "./session-records.js";

export const SESSIONS_MIGRATION = `CREATE TABLE portal_sessions (
     id_hash TEXT PRIMARY KEY,
     user TEXT NOT NULL,
     source TEXT NOT NULL,
     csrf_token TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX portal_sessions_by_user ON portal_sessions (user);
   CREATE INDEX portal_sessions_by_expiry ON portal_sessions (expires_at);`;

export class SqliteSessionRecords implements SessionRecords {
  constructor(private readonly db: Database.Database) {}

  async create(session: SessionRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO portal_sessions (id_hash, user, source, csrf_token, created_at, last_seen_at, expires_at)
         VALUES (@idHash, @user, @source, @csrfToken, @createdAt, @lastSeenAt, @expiresAt)`,
      )
      .run(session);
  }

  async get(idHash: string): Promise<SessionRecord | null> {
    const row = this.db.prepare("SELECT * FROM portal_sessions WHERE id_hash = ?").get(idHash) as SessionRow | undefined;
    return row ? toSession(row) : null;
  }

  async touch(idHash: string, lastSeenAt: number): Promise<void> {
    this.db.prepare("UPDATE portal_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?").run(lastSeenAt, idHash, lastSeenAt);
  }

  async delete(idHash: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM portal_sessions WHERE id_hash = ?").run(idHash).changes > 0;
  }

  async deleteForUser(user: string): Promise<number> {
    return this.db.prepare("DELETE FROM portal_sessions WHERE user = ?").run(user).changes;
  }

  async deleteExpired(now: number, idleBefore: number): Promise<number> {
    return this.db.prepare("DELETE FROM portal_sessions WHERE expires_at <= ? OR last_seen_at < ?").run(now, idleBefore).changes;
  }
}
