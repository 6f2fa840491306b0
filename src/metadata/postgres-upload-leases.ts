/** Upload session leases in PostgreSQL (see upload-lease-records.ts; table upload_leases). */
import type { PgDatabase } from "./postgres-pool.js";
import type { UploadLeaseRecords } from "./upload-lease-records.js";

export class PostgresUploadLeases implements UploadLeaseRecords {
  constructor(private readonly db: PgDatabase) {}

  async acquire(uuid: string, owner: string, expiresAt: number, now: number): Promise<boolean> {
    // One statement: the insert, or the take-over of an expired lease, is atomic.
    const { rows } = await this.db.query(
      `INSERT INTO upload_leases (uuid, owner, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (uuid) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE upload_leases.expires_at < $4
       RETURNING owner`,
      [uuid, owner, expiresAt, now],
    );
    return rows.length === 1;
  }

  async renew(uuid: string, owner: string, expiresAt: number): Promise<boolean> {
    const { rowCount } = await this.db.query("UPDATE upload_leases SET expires_at = $3 WHERE uuid = $1 AND owner = $2", [uuid, owner, expiresAt]);
    return rowCount === 1;
  }

  async release(uuid: string, owner: string, now: number): Promise<void> {
    await this.db.query("DELETE FROM upload_leases WHERE (uuid = $1 AND owner = $2) OR expires_at < $3", [uuid, owner, now]);
  }
}
