/** Opens the metadata store the database section names: SQLite (a file) or PostgreSQL. */
import type { DatabaseConfig } from "../config/types.js";
import { PostgresMetadataStore } from "./postgres.js";
import { SqliteMetadataStore } from "./sqlite.js";
import type { MetadataStore } from "./store.js";

export async function openMetadataStore(database: DatabaseConfig): Promise<MetadataStore> {
  return database.driver === "postgres" ? PostgresMetadataStore.open(database.postgres) : new SqliteMetadataStore(database.path);
}
