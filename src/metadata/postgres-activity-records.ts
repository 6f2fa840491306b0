/** The activity log in PostgreSQL (see activity-records.ts). */
import type { ActivityEntry, ActivityFilter, ActivityLog } from "./activity-records.js";
import type { PgDatabase } from "./postgres-pool.js";

export class PostgresActivityLog implements ActivityLog {
  constructor(private readonly db: PgDatabase) {}

  async record(entries: readonly Omit<ActivityEntry, "id">[]): Promise<void> {
    if (entries.length === 0) return;
    const column = <K extends keyof Omit<ActivityEntry, "id">>(key: K) => entries.map((entry) => entry[key]);
    await this.db.query(
      `INSERT INTO activity (at, kind, actor, repository, tag, digest, address)
       SELECT at, kind, actor, repository, tag, digest, address
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY
           AS e (at, kind, actor, repository, tag, digest, address, n)
       ORDER BY n`,
      [column("at"), column("kind"), column("actor"), column("repository"), column("tag"), column("digest"), column("address")],
    );
  }

  async list(filter: ActivityFilter): Promise<ActivityEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.before !== undefined) where.push(`id < ${param(filter.before)}`);
    if (filter.kinds && filter.kinds.length > 0) where.push(`kind = ANY(${param(filter.kinds)}::text[])`);
    for (const key of ["actor", "repository", "tag"] as const) {
      const value = filter[key];
      if (value !== undefined) where.push(`${key} = ${param(value)}`);
    }
    const sql = `SELECT * FROM activity ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${param(filter.limit)}`;
    return (await this.db.query<ActivityEntry>(sql, params)).rows;
  }

  async prune(before: string, keep: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const old = (await tx.query("DELETE FROM activity WHERE at < $1", [before])).rowCount ?? 0;
      const { rows } = await tx.query<{ id: number }>("SELECT id FROM activity ORDER BY id DESC LIMIT 1 OFFSET $1", [keep]);
      const cutoff = rows[0]?.id;
      const extra = cutoff === undefined ? 0 : ((await tx.query("DELETE FROM activity WHERE id <= $1", [cutoff])).rowCount ?? 0);
      return old + extra;
    });
  }
}
