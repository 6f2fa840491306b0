/** Failed logins in PostgreSQL (see login-failure-records.ts; table login_failures). */
import type { LoginFailureRecords } from "./login-failure-records.js";
import type { PgDatabase } from "./postgres-pool.js";

export class PostgresLoginFailures implements LoginFailureRecords {
  constructor(private readonly db: PgDatabase) {}

  async add(keys: readonly string[], at: number, forgetBefore: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query("DELETE FROM login_failures WHERE at < $1", [forgetBefore]);
      await tx.query("INSERT INTO login_failures (key, at) SELECT k, $2 FROM unnest($1::text[]) AS k", [keys, at]);
    });
  }

  async since(key: string, since: number): Promise<number[]> {
    const { rows } = await this.db.query<{ at: string }>("SELECT at FROM login_failures WHERE key = $1 AND at >= $2 ORDER BY at", [key, since]);
    // BIGINT arrives as text.
    return rows.map((row) => Number(row.at));
  }

  async clear(key: string): Promise<void> {
    await this.db.query("DELETE FROM login_failures WHERE key = $1", [key]);
  }
}
