/**
 * One real PostgreSQL (e2e/harness/postgres.ts) per test file, and a metadata factory on it:
 * each create() is a new database on that server.
 */
import { afterAll, beforeAll } from "vitest";
import { startPostgres, type RunningPostgres } from "../../e2e/harness/postgres.js";
import type { PostgresConfig } from "../config/types.js";
import { PostgresMetadataStore } from "./postgres.js";
import type { MetadataFactory } from "./suites/index.js";

export interface TestPostgres {
  /** The server, once beforeAll has run. */
  server(): RunningPostgres;
  /** Connection settings for a new, empty database. */
  newDatabase(pool?: number): Promise<PostgresConfig>;
  factory: MetadataFactory;
}

export function testPostgres(): TestPostgres {
  let running: RunningPostgres | undefined;
  beforeAll(async () => {
    running = await startPostgres();
  }, 120_000);
  afterAll(async () => running?.stop(), 60_000);
  const server = () => {
    if (!running) throw new Error("PostgreSQL is not running (beforeAll failed?)");
    return running;
  };
  const newDatabase = async (pool = 4): Promise<PostgresConfig> => {
    const url = new URL(await server().createDatabase());
    return { host: url.hostname, port: Number(url.port), user: server().user, password: server().password, database: url.pathname.slice(1), ssl: null, pool };
  };
  return {
    server,
    newDatabase,
    factory: {
      name: "postgres",
      async create() {
        const config = await newDatabase();
        return { open: () => PostgresMetadataStore.open(config) };
      },
    },
  };
}
