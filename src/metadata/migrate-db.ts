/**
 * Copies a Berth SQLite database into PostgreSQL (`berth migrate-db`): every table, row for
 * row, in one PostgreSQL transaction, from one consistent SQLite read; identity sequences
 * continue after the copied ids (and after ids SQLite handed out and later deleted, so outbox
 * cursors stay valid). A target holding any row is refused unless `force`, which empties it.
 * Both schemas are first brought up to date by their own migrations.
 */
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import type { PostgresConfig } from "../config/types.js";
import { migrate } from "./migrations.js";
import { migratePostgres } from "./postgres-migrations.js";
import { PgDatabase, poolConfig, type Queryable } from "./postgres-pool.js";

/** Every table, parents before children (foreign keys). A table missing here fails the copy. */
export const COPY_ORDER = [
  "meta",
  "repositories",
  "manifests",
  "tags",
  "deleted_items",
  "gc_runs",
  "gc_holds",
  "gc_hold_digests",
  "gc_claims",
  "users",
  "orgs",
  "teams",
  "team_members",
  "repository_settings",
  "team_grants",
  "robot_tokens",
  "audit_log",
  "outbox_events",
  "outbox_endpoints",
  "portal_sessions",
  "activity",
] as const;

/** Parameters per INSERT stay well below PostgreSQL's 65,535. */
const PARAMETERS_PER_INSERT = 30_000;

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export class TargetNotEmptyError extends Error {}

export interface MigrateDbOptions {
  /** Empty a target that holds rows instead of refusing. */
  force: boolean;
  progress: (line: string) => void;
}

interface TargetColumn {
  name: string;
  boolean: boolean;
  identity: boolean;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function targetColumns(tx: Queryable, table: string): Promise<Map<string, TargetColumn>> {
  const { rows } = await tx.query<{ column_name: string; data_type: string; is_identity: string }>(
    "SELECT column_name, data_type, is_identity FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
    [table],
  );
  return new Map(rows.map((row) => [row.column_name, { name: row.column_name, boolean: row.data_type === "boolean", identity: row.is_identity === "YES" }]));
}

async function targetCounts(db: Queryable): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of COPY_ORDER) {
    counts.set(table, (await db.query<{ count: number }>(`SELECT COUNT(*) AS count FROM ${quote(table)}`)).rows[0]?.count ?? 0);
  }
  return counts;
}

function sourceTables(source: Database.Database): string[] {
  return (source.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]).sort();
}

/** The highest id SQLite ever gave out in an AUTOINCREMENT table (rows may since be gone). */
function sqliteSequence(source: Database.Database, table: string): number {
  const value = source.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").pluck().get(table) as number | undefined;
  return value ?? 0;
}

async function copyTable(source: Database.Database, tx: Queryable, table: string, progress: (line: string) => void): Promise<number> {
  const sourceColumns = (source.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[]).map((column) => column.name);
  const target = await targetColumns(tx, table);
  const missing = sourceColumns.filter((name) => !target.has(name));
  const extra = [...target.keys()].filter((name) => !sourceColumns.includes(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(`table ${table}: the SQLite and PostgreSQL columns differ (only in SQLite: ${missing.join(", ") || "none"}; only in PostgreSQL: ${extra.join(", ") || "none"})`);
  }
  const columns = sourceColumns.map((name) => target.get(name) as TargetColumn);
  const total = source.prepare(`SELECT COUNT(*) FROM ${quote(table)}`).pluck().get() as number;
  const batchRows = Math.max(1, Math.floor(PARAMETERS_PER_INSERT / columns.length));
  const columnList = columns.map((column) => quote(column.name)).join(", ");
  let copied = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((value) => `$${values.push(value)}`).join(", ")})`);
    await tx.query(`INSERT INTO ${quote(table)} (${columnList}) VALUES ${tuples.join(", ")}`, values);
    copied += batch.length;
    batch = [];
    progress(`migrate-db: ${table}: ${copied}/${total}`);
  };
  const rows = source.prepare(`SELECT ${columnList} FROM ${quote(table)} ORDER BY rowid`).raw().iterate() as Iterable<unknown[]>;
  for (const row of rows) {
    batch.push(row.map((value, index) => (columns[index]?.boolean && value !== null ? value !== 0 : value)));
    if (batch.length >= batchRows) await flush();
  }
  await flush();
  for (const column of columns.filter((c) => c.identity)) {
    const { rows: maxRows } = await tx.query<{ max: number | null }>(`SELECT MAX(${quote(column.name)}) AS max FROM ${quote(table)}`);
    const last = Math.max(maxRows[0]?.max ?? 0, sqliteSequence(source, table));
    // setval(seq, n, true): the next id is n + 1; setval(seq, 1, false): the next id is 1.
    await tx.query("SELECT setval(pg_get_serial_sequence($1, $2), $3, $4)", [table, column.name, Math.max(last, 1), last > 0]);
  }
  return total;
}

/** Copies the SQLite database at `sqlitePath` into the PostgreSQL database; answers each table's row counts on both sides. */
export async function migrateSqliteToPostgres(sqlitePath: string, target: PostgresConfig, options: MigrateDbOptions): Promise<TableCount[]> {
  if (!existsSync(sqlitePath)) throw new Error(`no SQLite database at ${sqlitePath}`);
  const source = new Database(sqlitePath, { fileMustExist: true });
  const db = new PgDatabase(poolConfig(target, "berth migrate-db"));
  try {
    source.pragma("busy_timeout = 5000");
    migrate(source);
    const unknown = sourceTables(source).filter((table) => !(COPY_ORDER as readonly string[]).includes(table));
    if (unknown.length > 0) throw new Error(`the SQLite database has tables migrate-db does not know: ${unknown.join(", ")}`);
    await migratePostgres(db);
    const before = await targetCounts(db);
    const occupied = [...before].filter(([, count]) => count > 0);
    if (occupied.length > 0 && !options.force) {
      const list = occupied.map(([table, count]) => `${table}: ${count}`).join(", ");
      throw new TargetNotEmptyError(`the PostgreSQL database is not empty (${list}): pass --force to replace its contents`);
    }
    // One read transaction: every table from the same SQLite snapshot.
    source.exec("BEGIN");
    const sourceCounts = new Map<string, number>();
    try {
      await db.transaction(async (tx) => {
        if (occupied.length > 0) {
          options.progress(`migrate-db: --force: emptying ${occupied.length} table(s) in PostgreSQL`);
          await tx.query(`TRUNCATE ${COPY_ORDER.map(quote).join(", ")} RESTART IDENTITY CASCADE`);
        }
        for (const table of COPY_ORDER) sourceCounts.set(table, await copyTable(source, tx, table, options.progress));
      });
    } finally {
      source.exec("COMMIT");
    }
    const after = await targetCounts(db);
    return COPY_ORDER.map((table) => ({ table, source: sourceCounts.get(table) ?? 0, target: after.get(table) ?? 0 }));
  } finally {
    source.close();
    await db.close();
  }
}
