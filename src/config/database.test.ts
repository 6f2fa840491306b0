import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./index.js";
import { writeConfig } from "./test-files.js";

function load(file: string, env: Record<string, string> = {}) {
  return loadConfig({ path: writeConfig(file).path, env, cwd: "/srv" }).database;
}

function problems(file: string, env: Record<string, string> = {}): string[] {
  try {
    load(file, env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe("database section", () => {
  it("defaults to SQLite at ./data/berth.sqlite and keeps database.path as before", () => {
    expect(load("version: 0.1")).toEqual({ driver: "sqlite", path: "/srv/data/berth.sqlite" });
    expect(load("database: {path: idx.sqlite}")).toEqual({ driver: "sqlite", path: "/srv/idx.sqlite" });
    expect(load("database: {driver: sqlite, path: /x.sqlite}")).toEqual({ driver: "sqlite", path: "/x.sqlite" });
  });

  it("reads PostgreSQL from a URL, with keys overriding its parts", () => {
    expect(load("database: {driver: postgres, postgres: {url: 'postgres://u:p%40ss@db.local:6543/meta?sslmode=require'}}")).toEqual({
      driver: "postgres",
      path: "/srv/data/berth.sqlite",
      postgres: { host: "db.local", port: 6543, user: "u", password: "p@ss", database: "meta", ssl: { insecureskipverify: true }, pool: 10 },
    });
    const merged = load("database: {postgres: {url: 'postgresql://db.local/meta', pool: 3, ssl: {ca: /ca.pem}}}", {
      REGISTRY_DATABASE_POSTGRES_PASSWORD: "secret",
    });
    expect(merged).toMatchObject({
      driver: "postgres",
      postgres: { host: "db.local", port: 5432, user: "berth", password: "secret", database: "meta", ssl: { ca: "/ca.pem", insecureskipverify: false }, pool: 3 },
    });
  });

  it("reads PostgreSQL from host/port/user/password/database keys and REGISTRY_DATABASE_* variables", () => {
    expect(load("database: {driver: postgres, postgres: {host: 10.0.0.5, port: 5433, user: reg, password: pw, database: reg, ssl: true}}")).toMatchObject({
      postgres: { host: "10.0.0.5", port: 5433, user: "reg", password: "pw", database: "reg", ssl: { insecureskipverify: false }, pool: 10 },
    });
    const fromEnv = load("version: 0.1", { REGISTRY_DATABASE_DRIVER: "postgres", REGISTRY_DATABASE_POSTGRES_HOST: "db", REGISTRY_DATABASE_POSTGRES_POOL: "4" });
    expect(fromEnv).toMatchObject({ driver: "postgres", postgres: { host: "db", port: 5432, user: "berth", database: "berth", ssl: null, pool: 4 } });
  });

  it.each([
    ["database: {driver: postgres}", "database.postgres: required when database.driver is postgres (url, or host/port/user/password/database)"],
    ["database: {driver: postgres, postgres: {pool: 2}}", "database.postgres.host: required: the PostgreSQL server (or give database.postgres.url)"],
    ["database: {driver: sqlite, postgres: {host: db}}", "database.postgres: set only with database.driver: postgres"],
    ["database: {postgres: {url: 'mysql://db/x'}}", "database.postgres.url: expected a postgres:// or postgresql:// URL, got mysql://"],
    ["database: {postgres: {url: 'postgres://db/x?application_name=y'}}", 'database.postgres.url: unsupported URL option "application_name" (only sslmode is read; use the database.postgres keys)'],
    ["database: {postgres: {url: 'postgres://db/x?sslmode=maybe'}}", 'database.postgres.url: unsupported sslmode "maybe" (expected disable, require, verify-ca or verify-full)'],
    ["database: {postgres: {host: db, port: 70000}}", "database.postgres.port: expected at most 65535, got 70000"],
    ["database: {postgres: {host: db, pool: 0}}", "database.postgres.pool: expected at least 1, got 0"],
    ["database: {postgres: {host: db, ssl: maybe}}", "database.postgres.ssl: expected true or false, or a map {ca, insecureskipverify}, got \"maybe\""],
    ["database: {postgres: {host: db, hots: x}}", "database.postgres.hots: unknown key"],
  ])("%s", (file, message) => {
    expect(problems(file)).toEqual([message]);
  });
});
