/** Portal sessions in PostgreSQL (see session-records.ts). */
import type { PgDatabase } from "./postgres-pool.js";
import { toSession, type SessionRow } from "./rows.js";
import type { SessionRecord, SessionRecords } from "./session-records.js";

export class PostgresSessionRecords implements SessionRecords {
  constructor(private readonly db: PgDatabase) {}

  async create(session: SessionRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO portal_sessions (id_hash, "user", source, csrf_token, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [session.idHash, session.user, session.source, session.csrfToken, session.createdAt, session.lastSeenAt, session.expiresAt],
    );
  }

  async get(idHash: string): Promise<SessionRecord | null> {
    const { rows } = await this.db.query<SessionRow>("SELECT * FROM portal_sessions WHERE id_hash = $1", [idHash]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async touch(idHash: string, lastSeenAt: number): Promise<void> {
    await this.db.query("UPDATE portal_sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $1", [lastSeenAt, idHash]);
  }

  async delete(idHash: string): Promise<boolean> {
    return ((await this.db.query("DELETE FROM portal_sessions WHERE id_hash = $1", [idHash])).rowCount ?? 0) > 0;
  }

  async deleteForUser(user: string): Promise<number> {
    return (await this.db.query('DELETE FROM portal_sessions WHERE "user" = $1', [user])).rowCount ?? 0;
  }

  async deleteExpired(now: number, idleBefore: number): Promise<number> {
    return (await this.db.query("DELETE FROM portal_sessions WHERE expires_at <= $1 OR last_seen_at < $2", [now, idleBefore])).rowCount ?? 0;
  }
}
