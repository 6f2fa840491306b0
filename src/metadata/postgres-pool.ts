/**
 * The PostgreSQL connection pool (node-postgres) behind the metadata store: queries on any
 * pooled connection, or a transaction on one. BIGINT columns (epoch milliseconds, ids, counts)
 * come back as numbers: every value Berth stores there is below 2^53.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import type { PostgresConfig } from "../config/types.js";

const INT8_OID = 20;

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== "binary" ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** Something a query can run on: the pool, or the one connection of a transaction. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
}

/** Error codes of a transaction PostgreSQL aborted that may succeed when run again. */
const RETRYABLE = new Set(["40001" /* serialization_failure */, "40P01" /* deadlock_detected */]);
const MAX_ATTEMPTS = 5;

export function poolConfig(config: PostgresConfig, applicationName = "berth"): pg.PoolConfig {
  const ssl = config.ssl === null ? false : { rejectUnauthorized: !config.ssl.insecureskipverify, ...(config.ssl.ca ? { ca: readFileSync(config.ssl.ca, "utf8") } : {}) };
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    ...(config.password === undefined ? {} : { password: config.password }),
    database: config.database,
    ssl,
    max: config.pool,
    application_name: applicationName,
    connectionTimeoutMillis: 30_000,
    idleTimeoutMillis: 30_000,
    types,
  };
}

export class PgDatabase implements Queryable {
  readonly pool: pg.Pool;

  constructor(config: pg.PoolConfig) {
    this.pool = new pg.Pool({ ...config, types });
    // An idle connection the server dropped (restart, failover) must not crash the process;
    // the pool discards it and the next query opens a new one.
    this.pool.on("error", () => undefined);
  }

  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> {
    return this.pool.query<Row>(text, values);
  }

  /**
   * A connection of its own (give it back with release(), or release(true) when its state is
   * unknown). A connection the server ends while it is checked out fails its next query; the
   * "error" event it also emits must not crash the process.
   */
  async connect(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    const ignore = () => undefined;
    client.on("error", ignore);
    const release = client.release.bind(client);
    client.release = (destroy?: boolean | Error) => {
      client.removeListener("error", ignore);
      release(destroy);
    };
    return client;
  }

  /**
   * Runs `work` in one transaction on one connection; commits when it resolves, rolls back when
   * it throws. A serialization failure or deadlock runs it again (work must be repeatable).
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
        const code = (error as { code?: unknown }).code;
        if (attempt < MAX_ATTEMPTS && typeof code === "string" && RETRYABLE.has(code)) continue;
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
