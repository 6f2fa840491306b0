/**
 * `berth migrate-db [config.yml] [--from PATH] [--force]`: copies the SQLite database into the
 * PostgreSQL database the config names (database.driver: postgres). The SQLite file is
 * database.path unless --from names another. Stop `berth serve` first: writes made during the
 * copy would not be in it. Progress goes to stderr, the per-table counts to stdout.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/index.js";
import { migrateSqliteToPostgres, TargetNotEmptyError } from "../metadata/migrate-db.js";

export const MIGRATE_DB_USAGE = `Usage: berth migrate-db [config.yml] [--from PATH] [--force]
  copies an SQLite database into the PostgreSQL database of the config (database.driver: postgres)
  --from PATH  the SQLite file (default: database.path)
  --force      replace what the PostgreSQL database holds (default: refuse a database that is not empty)
`;

/** Exit status: 0 copied and verified, 1 failed, 2 usage, 3 the target is not empty (no --force). */
export async function migrateDbCommand(argv: string[], out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  const fail = (message: string, code: number) => {
    process.stderr.write(`berth migrate-db: ${message}\n${code === 2 ? MIGRATE_DB_USAGE : ""}`);
    return code;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { from: { type: "string" }, force: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(MIGRATE_DB_USAGE);
    return 0;
  }
  if (positionals.length > 1) return fail(`unexpected arguments: ${positionals.slice(1).join(" ")}`, 2);
  const [configPath] = positionals;
  const config = loadConfig(configPath === undefined ? {} : { path: configPath });
  const { database } = config;
  if (database.driver !== "postgres") {
    return fail("the config's database.driver is sqlite: set database.driver: postgres and database.postgres (the target) first", 2);
  }
  const from = values.from === undefined ? database.path : resolve(values.from);
  const target = `${database.postgres.host}:${database.postgres.port}/${database.postgres.database}`;
  process.stderr.write(`berth migrate-db: copying ${from} into PostgreSQL ${target}\n`);
  let counts;
  try {
    counts = await migrateSqliteToPostgres(from, database.postgres, {
      force: values.force ?? false,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), error instanceof TargetNotEmptyError ? 3 : 1);
  }
  const width = Math.max(...counts.map((count) => count.table.length));
  for (const count of counts) out(`${count.table.padEnd(width)}  ${count.target}`);
  const wrong = counts.filter((count) => count.source !== count.target);
  if (wrong.length > 0) {
    return fail(`verification failed: ${wrong.map((count) => `${count.table} has ${count.target} rows in PostgreSQL, ${count.source} in SQLite`).join("; ")}`, 1);
  }
  const rows = counts.reduce((sum, count) => sum + count.target, 0);
  process.stderr.write(`berth migrate-db: done: ${rows} rows in ${counts.length} tables, every table's count verified\n`);
  return 0;
}
