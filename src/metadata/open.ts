/** Opens the metadata store the database section names: SQLite (a file) or PostgreSQL. */
import type { DatabaseConfig } from "../config/types.js";
import { SqliteMetadataStore } from "./sqlite.js";
import type { MetadataStore } from "./store.js";

export async function openMetadataStore(database: DatabaseConfig): Promise<MetadataStore> {
  if (database.driver !== "postgres") return new SqliteMetadataStore(database.path);
  // pg is loaded only when configured: an SQLite registry does not carry it.
  const { PostgresMetadataStore } = await import("./postgres.js");
  return PostgresMetadataStore.open(database.postgres);
}
