import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Config } from "./index.js";
import { writeConfig } from "./test-files.js";

/** Loads `file` (or no file) with `env`, collecting warnings. */
function load(env: Record<string, string>, file?: string): { config: Config; warnings: string[] } {
  const warnings: string[] = [];
  const path = file === undefined ? undefined : writeConfig(file).path;
  const config = loadConfig({ path, env, cwd: "/srv", warn: (message) => warnings.push(message) });
  return { config, warnings };
}

const FILESYSTEM_FILE = `
version: 0.1
storage:
  filesystem: {rootdirectory: /var/lib/registry}
  delete: {enabled: true}
  cache: {blobdescriptor: inmemory}
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
log:
  fields: {Service: registry}
notifications:
  endpoints:
    - {name: first, url: "http://a.local/"}
`;

describe("REGISTRY_* overrides: names", () => {
  it("sets a key from REGISTRY_ + its path in upper case", () => {
    const { config } = load({
      REGISTRY_HTTP_ADDR: ":6000",
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: "/data",
      REGISTRY_STORAGE_DELETE_ENABLED: "true",
      REGISTRY_LOG_LEVEL: "debug",
      REGISTRY_DATABASE_PATH: "/db/berth.sqlite",
      REGISTRY_VALIDATION_MANIFESTS_MAXSIZE: "1024",
    });
    expect(config.http.addr).toBe(":6000");
    expect(config.storage.parameters).toEqual({ rootdirectory: "/data" });
    expect(config.storage.delete.enabled).toBe(true);
    expect(config.log.level).toBe("debug");
    expect(config.database.path).toBe("/db/berth.sqlite");
    expect(config.validation.manifests.maxsize).toBe(1024);
  });

  it("ignores, with a warning, variables that name no key (as registry:2 does)", () => {
    const { config, warnings } = load({
      REGISTRY_PORT: "tcp://10.0.0.1:5000", // what a Kubernetes service named "registry" injects
      REGISTRY_HTTP_ADRR: ":1",
      REGISTRY_http_addr: ":2", // struct fields match upper case only
      REGISTRY_HTTP_ADDR_PORT: "3", // below a scalar
      REGISTRY_: "x",
      REGISTRY_CONFIGURATION_PATH: "",
    });
    expect(config.http.addr).toBe("127.0.0.1:5000");
    expect(warnings).toEqual([
      "ignoring REGISTRY_: it names no configuration key",
      "ignoring REGISTRY_HTTP_ADDR_PORT: it names no configuration key",
      "ignoring REGISTRY_HTTP_ADRR: it names no configuration key",
      "ignoring REGISTRY_PORT: it names no configuration key",
      "ignoring REGISTRY_http_addr: it names no configuration key",
    ]);
  });

  it("does not look at variables without the REGISTRY_ prefix", () => {
    const { config, warnings } = load({ HTTP_ADDR: ":1", registry_http_addr: ":2", REGISTRYHTTP_ADDR: ":3" });
    expect(config.http.addr).toBe("127.0.0.1:5000");
    expect(warnings).toEqual([]);
  });

  it("treats an empty value as unset, so the default applies", () => {
    expect(load({ REGISTRY_LOG_LEVEL: "" }).config.log.level).toBe("info");
  });
});

describe("REGISTRY_* overrides: order and values", () => {
  it("applies variables in alphabetical order, whatever order the environment lists them in", () => {
    // REGISTRY_LOG replaces the whole log section, REGISTRY_LOG_LEVEL then sets one key in it.
    const { config } = load({ REGISTRY_LOG_LEVEL: "error", REGISTRY_LOG: "{level: debug, formatter: text}" });
    expect(config.log).toMatchObject({ level: "error", formatter: "text" });
  });

  it("reads values as YAML: booleans, numbers, lists, maps", () => {
    const { config } = load({
      REGISTRY_STORAGE_DELETE_ENABLED: "yes",
      REGISTRY_HTTP_RELATIVEURLS: "true",
      REGISTRY_HTTP_DRAINTIMEOUT: "1h30m",
      REGISTRY_HTTP_TLS_CERTIFICATE: "/c.crt",
      REGISTRY_HTTP_TLS_KEY: "/c.key",
      REGISTRY_HTTP_TLS_CLIENTCAS: "[/a.pem, /b.pem]",
      REGISTRY_LOG_FIELDS: "{service: registry, replica: 2}",
      REGISTRY_VERSION: "0.1",
    });
    expect(config.storage.delete.enabled).toBe(true);
    expect(config.http.relativeurls).toBe(true);
    expect(config.http.draintimeout).toBe(5_400_000);
    expect(config.http.tls?.clientcas).toEqual(["/a.pem", "/b.pem"]);
    expect(config.log.fields).toEqual({ service: "registry", replica: 2 });
    expect(config.version).toBe("0.1");
  });

  it("takes a plain number for a Go duration key as nanoseconds, as registry:2 does", () => {
    expect(load({ REGISTRY_HTTP_DRAINTIMEOUT: "2000000000" }).config.http.draintimeout).toBe(2_000);
  });

  it("names the variable when its value is not YAML", () => {
    expect(() => load({ REGISTRY_HTTP_TLS_CLIENTCAS: "[/a.pem" })).toThrow(/^REGISTRY_HTTP_TLS_CLIENTCAS: invalid YAML: /);
  });
});

describe("REGISTRY_* overrides: storage", () => {
  it("REGISTRY_STORAGE=inmemory replaces the whole storage section of the file", () => {
    const { config } = load({ REGISTRY_STORAGE: "inmemory" }, FILESYSTEM_FILE);
    expect(config.storage.driver).toBe("inmemory");
    expect(config.storage.parameters).toEqual({});
    expect(config.storage.delete.enabled).toBe(false); // the file's delete section went with it, as in registry:2
  });

  it("REGISTRY_STORAGE=s3 comes first, so REGISTRY_STORAGE_S3_* and REGISTRY_STORAGE_DELETE_* fill the new section", () => {
    const { config } = load(
      {
        REGISTRY_STORAGE_S3_REGION: "us-east-1",
        REGISTRY_STORAGE_DELETE_ENABLED: "true",
        REGISTRY_STORAGE_S3_SECURE: "false",
        REGISTRY_STORAGE: "s3",
      },
      FILESYSTEM_FILE,
    );
    expect(config.storage).toMatchObject({ driver: "s3", parameters: { region: "us-east-1", secure: false }, delete: { enabled: true } });
  });

  it("with no file, REGISTRY_STORAGE_S3_* alone selects s3, and other storage variables keep the default driver", () => {
    expect(load({ REGISTRY_STORAGE_S3_BUCKET: "b" }).config.storage).toMatchObject({ driver: "s3", parameters: { bucket: "b" } });
    expect(load({ REGISTRY_STORAGE_DELETE_ENABLED: "true" }).config.storage).toMatchObject({
      driver: "filesystem",
      parameters: { rootdirectory: "/srv/data" },
      delete: { enabled: true },
    });
  });

  it("a second driver from a variable is an error naming both", () => {
    expect(() => load({ REGISTRY_STORAGE_S3_REGION: "us-east-1" }, FILESYSTEM_FILE)).toThrow(
      new ConfigError(["storage: exactly one driver section (filesystem, inmemory, s3, azure, swift), found 2 (filesystem, s3) (see REGISTRY_STORAGE_S3_REGION)"]),
    );
  });

  it("an unknown driver from a variable is an error naming it", () => {
    expect(() => load({ REGISTRY_STORAGE: "gcs" })).toThrow(
      "storage.gcs: unsupported storage driver (Berth has: filesystem, inmemory, s3, azure, swift) (set by REGISTRY_STORAGE)",
    );
    expect(() => load({ REGISTRY_STORAGE_GCS_BUCKET: "b" })).toThrow(/^storage\.gcs: unsupported storage driver .*\(see REGISTRY_STORAGE_GCS_BUCKET\)$/);
  });

  it("creates missing sections on the way to a key", () => {
    const { config } = load({ REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED: "true", REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_AGE: "1h" }, FILESYSTEM_FILE);
    expect(config.storage.maintenance).toEqual({
      readonly: { enabled: true },
      uploadpurging: { enabled: true, age: 3_600_000, interval: 86_400_000, dryrun: false },
    });
  });
});

describe("REGISTRY_* overrides: maps and lists", () => {
  it("creates map entries with lower-case keys", () => {
    const { config } = load({ REGISTRY_AUTH_HTPASSWD_REALM: "basic-realm", REGISTRY_AUTH_HTPASSWD_PATH: "/auth/htpasswd", REGISTRY_LOG_FIELDS_ENVIRONMENT: "prod" });
    expect(config.auth).toEqual({ htpasswd: { realm: "basic-realm", path: "/auth/htpasswd" } });
    expect(config.log.fields).toEqual({ environment: "prod" });
  });

  it("REGISTRY_AUTH=token replaces the auth section, then REGISTRY_AUTH_TOKEN_* fill it", () => {
    const { config } = load({ REGISTRY_AUTH_TOKEN_REALM: "https://auth/token", REGISTRY_AUTH: "token" }, "auth: {htpasswd: {realm: r, path: /p}}\n");
    expect(config.auth).toEqual({ token: { realm: "https://auth/token" } });
  });

  it("replaces an existing entry whatever its case (registry:2 would add a lower-case twin)", () => {
    const { config } = load({ REGISTRY_LOG_FIELDS_SERVICE: "berth" }, FILESYSTEM_FILE);
    expect(config.log.fields).toEqual({ Service: "berth" });
  });

  it("sets response headers: the name as written after HEADERS_, canonicalised", () => {
    const { config } = load(
      { "REGISTRY_HTTP_HEADERS_X-CONTENT-TYPE-OPTIONS": "[nosniff, other]", "REGISTRY_HTTP_HEADERS_STRICT-TRANSPORT-SECURITY": "max-age=31536000" },
      FILESYSTEM_FILE,
    );
    expect(config.http.headers).toEqual({
      "X-Content-Type-Options": ["nosniff", "other"],
      "Strict-Transport-Security": ["max-age=31536000"],
    });
  });

  it("REGISTRY_HTTP_HEADERS replaces all headers", () => {
    const { config } = load({ REGISTRY_HTTP_HEADERS: "{X-Frame-Options: [DENY]}" }, FILESYSTEM_FILE);
    expect(config.http.headers).toEqual({ "X-Frame-Options": ["DENY"] });
  });

  it("sets list elements by index, appends one past the end, and refuses gaps and non-numbers", () => {
    const { config } = load(
      { REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL: "http://b.local/", REGISTRY_NOTIFICATIONS_ENDPOINTS_1_NAME: "second", REGISTRY_NOTIFICATIONS_ENDPOINTS_1_URL: "http://c.local/" },
      FILESYSTEM_FILE,
    );
    expect(config.notifications.endpoints).toMatchObject([{ name: "first", url: "http://b.local/" }, { name: "second", url: "http://c.local/" }]);
    expect(() => load({ REGISTRY_NOTIFICATIONS_ENDPOINTS_5_URL: "x" }, FILESYSTEM_FILE)).toThrow(
      new ConfigError(["REGISTRY_NOTIFICATIONS_ENDPOINTS_5_URL: index 5 is past the end of notifications.endpoints (1 elements)"]),
    );
    expect(() => load({ REGISTRY_NOTIFICATIONS_ENDPOINTS_FIRST_URL: "x" }, FILESYSTEM_FILE)).toThrow(/"FIRST" is not a list index/);
    expect(load({ REGISTRY_HTTP_TLS_CLIENTCAS_0: "/ca.pem", REGISTRY_HTTP_TLS_CERTIFICATE: "/c", REGISTRY_HTTP_TLS_KEY: "/k" }).config.http.tls?.clientcas).toEqual([
      "/ca.pem",
    ]);
  });

  it("maps registry:2's Go field names where they differ from the YAML keys", () => {
    const { config } = load({ REGISTRY_HEALTH_FILECHECKERS: "[{file: /tmp/down}]", REGISTRY_NOTIFICATIONS_EVENTCONFIG_INCLUDEREFERENCES: "true" });
    expect(config.health.file).toEqual([{ file: "/tmp/down", interval: 10_000 }]);
    expect(config.notifications).toEqual({ events: { includereferences: true }, endpoints: [] });
  });
});

describe("REGISTRY_* overrides: bad values fail naming the key and the variable", () => {
  it.each([
    ["REGISTRY_HTTP_ADDR", "foo", 'http.addr: expected "host:port" or ":port", got "foo" (set by REGISTRY_HTTP_ADDR)'],
    ["REGISTRY_STORAGE_DELETE_ENABLED", "maybe", 'storage.delete.enabled: expected true or false, got "maybe" (set by REGISTRY_STORAGE_DELETE_ENABLED)'],
    ["REGISTRY_LOG_LEVEL", "loud", 'log.level: expected one of "error", "warn", "info", "debug", got "loud" (set by REGISTRY_LOG_LEVEL)'],
    ["REGISTRY_HTTP_DRAINTIMEOUT", "soon", 'http.draintimeout: expected a duration like "30s", "1h30m" or "168h", got "soon" (set by REGISTRY_HTTP_DRAINTIMEOUT)'],
    ["REGISTRY_VERSION", "0.2", 'version: expected "0.1", got "0.2" (set by REGISTRY_VERSION)'],
    ["REGISTRY_LOG_HOOKS", "somestring", 'log.hooks: expected a list, got "somestring" (set by REGISTRY_LOG_HOOKS)'],
    ["REGISTRY_STORAGE_FILESYSTEM", "somestring", 'storage.filesystem: expected a map, got "somestring" (set by REGISTRY_STORAGE_FILESYSTEM)'],
    ["REGISTRY_DATABASE_DRIVER", "mysql", 'database.driver: expected one of "sqlite", "postgres", got "mysql" (set by REGISTRY_DATABASE_DRIVER)'],
  ])("%s=%s", (name, value, message) => {
    expect(() => load({ [name]: value })).toThrow(new ConfigError([message]));
  });
});
