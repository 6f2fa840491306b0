/**
 * Berth's database section: the metadata database. SQLite (a file, the embedded default) or
 * PostgreSQL (shared by several replicas), given as a URL, as host/port/user/password/database
 * keys, or both (the keys override the URL's parts, so a password can stay out of the URL).
 */
import * as z from "zod";
import { bool, describe, optional, text, withDefault } from "./fields.js";
import type { DatabaseConfig, PostgresConfig, PostgresTls } from "./types.js";

const DEFAULT_PATH = "./data/berth.sqlite";
const DEFAULT_PORT = 5432;
const DEFAULT_NAME = "berth";

const port = z.number().int().min(1).max(65_535);

const ssl = z.union([
  bool,
  z.strictObject({
    /** PEM file of the CA that signed the server's certificate (default: the system's CAs). */
    ca: optional(text),
    insecureskipverify: withDefault(bool, false),
  }),
], { error: (issue) => `expected true or false, or a map {ca, insecureskipverify}, got ${describe(issue.input)}` });

const postgres = z.preprocess(
  (value) => (value === null ? {} : value),
  z.strictObject({
    url: optional(text),
    host: optional(text),
    port: optional(z.preprocess((value) => (typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value), port)),
    user: optional(text),
    password: optional(text),
    database: optional(text),
    ssl: optional(ssl),
    pool: withDefault(z.number().int().min(1).max(1000), 10),
  }),
);

const database = z.strictObject({
  driver: optional(z.enum(["sqlite", "postgres"])),
  path: withDefault(text, DEFAULT_PATH),
  postgres: optional(postgres),
});

type RawPostgres = z.output<typeof postgres>;

interface UrlParts {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: PostgresTls | null;
}

/** libpq's sslmode values, as far as node-postgres can honour them. */
function sslMode(mode: string): PostgresTls | null | undefined {
  switch (mode) {
    case "disable":
      return null;
    case "prefer":
    case "allow":
    case "require":
    case "no-verify":
      return { insecureskipverify: true };
    case "verify-ca":
    case "verify-full":
      return { insecureskipverify: false };
    default:
      return undefined;
  }
}

/** postgres://user:password@host:port/database?sslmode=... → its parts, or a problem. */
export function parsePostgresUrl(value: string): UrlParts | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected a URL like "postgres://user:password@host:5432/database", got ${JSON.stringify(value.replace(/:[^:@/]*@/, ":***@"))}`;
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") return `expected a postgres:// or postgresql:// URL, got ${url.protocol}//`;
  const parts: UrlParts = {};
  if (url.hostname !== "") parts.host = decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, "$1"));
  if (url.port !== "") parts.port = Number(url.port);
  if (url.username !== "") parts.user = decodeURIComponent(url.username);
  if (url.password !== "") parts.password = decodeURIComponent(url.password);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (name !== "") parts.database = name;
  for (const [key, option] of url.searchParams) {
    if (key !== "sslmode") return `unsupported URL option "${key}" (only sslmode is read; use the database.postgres keys)`;
    const mode = sslMode(option);
    if (mode === undefined) return `unsupported sslmode "${option}" (expected disable, require, verify-ca or verify-full)`;
    parts.ssl = mode;
  }
  return parts;
}

function tls(value: RawPostgres["ssl"]): PostgresTls | null | undefined {
  if (value === undefined) return undefined;
  if (value === false) return null;
  if (value === true) return { insecureskipverify: false };
  return value.ca === undefined ? { insecureskipverify: value.insecureskipverify } : { ca: value.ca, insecureskipverify: value.insecureskipverify };
}

function postgresConfig(raw: RawPostgres, ctx: z.core.$RefinementCtx<unknown>): PostgresConfig | undefined {
  let fromUrl: UrlParts = {};
  if (raw.url !== undefined) {
    const parsed = parsePostgresUrl(raw.url);
    if (typeof parsed === "string") {
      ctx.addIssue({ code: "custom", message: parsed, path: ["postgres", "url"], input: undefined });
      return undefined;
    }
    fromUrl = parsed;
  }
  const host = raw.host ?? fromUrl.host;
  if (host === undefined) {
    ctx.addIssue({ code: "custom", message: "required: the PostgreSQL server (or give database.postgres.url)", path: ["postgres", "host"], input: undefined });
    return undefined;
  }
  const password = raw.password ?? fromUrl.password;
  const ssl = tls(raw.ssl);
  return {
    host,
    port: raw.port ?? fromUrl.port ?? DEFAULT_PORT,
    user: raw.user ?? fromUrl.user ?? DEFAULT_NAME,
    ...(password === undefined ? {} : { password }),
    database: raw.database ?? fromUrl.database ?? DEFAULT_NAME,
    ssl: ssl === undefined ? (fromUrl.ssl ?? null) : ssl,
    pool: raw.pool,
  };
}

export const databaseSchema = database.transform((raw, ctx): DatabaseConfig => {
  const driver = raw.driver ?? (raw.postgres === undefined ? "sqlite" : "postgres");
  if (driver === "sqlite") {
    if (raw.postgres !== undefined) {
      ctx.addIssue({ code: "custom", message: "set only with database.driver: postgres", path: ["postgres"], input: undefined });
      return z.NEVER;
    }
    return { driver, path: raw.path };
  }
  if (raw.postgres === undefined) {
    ctx.addIssue({ code: "custom", message: "required when database.driver is postgres (url, or host/port/user/password/database)", path: ["postgres"], input: undefined });
    return z.NEVER;
  }
  const config = postgresConfig(raw.postgres, ctx);
  return config === undefined ? z.NEVER : { driver, path: raw.path, postgres: config };
});
