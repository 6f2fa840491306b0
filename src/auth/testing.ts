/** In-process fixture for access-control tests: the app with an access controller, over inmemory storage and SQLite. */
import { pino } from "pino";
import type { Express } from "express";
import { createDriver } from "../../storage-drivers/index.js";
import { createApp } from "../app.js";
import { loadConfig } from "../config/index.js";
import type { Config } from "../config/types.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { Registry } from "../registry/registry.js";
import { createAccessControl, type AccessControl } from "./setup.js";

export interface SecuredRegistry {
  app: Express;
  /** The same registry without access control, for seeding content. */
  open: Express;
  config: Config;
  metadata: SqliteMetadataStore;
  access: AccessControl;
}

/** Config from REGISTRY_*-style variables (e.g. { REGISTRY_AUTH_BERTH_MODE: "basic" }) plus adjustments. */
export async function securedRegistry(env: Record<string, string>, adjust: (config: Config) => void = () => undefined): Promise<SecuredRegistry> {
  const config = loadConfig({ env });
  config.storage.delete.enabled = true;
  config.log.accesslog.disabled = true;
  config.database.path = ":memory:";
  adjust(config);
  const metadata = new SqliteMetadataStore(":memory:");
  const logger = pino({ level: "silent" });
  const access = await createAccessControl({ config, metadata, logger });
  const registry = new Registry(createDriver("inmemory", {}), metadata);
  return { app: createApp({ config, registry, logger, access }), open: createApp({ config, registry, logger }), config, metadata, access };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
