import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./index.js";
import { writeConfig } from "./test-files.js";

const quiet = { warn: () => undefined };

describe("loadConfig defaults", () => {
  it("serves npm start with no file and no variables", () => {
    const config = loadConfig({ env: {}, cwd: "/srv/berth" });
    expect(config).toEqual({
      version: "0.1",
      log: { level: "info", formatter: "json", fields: {}, accesslog: { disabled: false } },
      storage: {
        driver: "filesystem",
        parameters: { rootdirectory: "/srv/berth/data" },
        delete: { enabled: false },
        redirect: { disable: false },
        maintenance: {
          uploadpurging: { enabled: true, age: 168 * 3_600_000, interval: 24 * 3_600_000, dryrun: false },
          readonly: { enabled: false },
        },
      },
      http: { addr: "127.0.0.1:5000", net: "tcp", prefix: "/", relativeurls: false, headers: {}, draintimeout: 10_000 },
      auth: {},
      notifications: { events: { includereferences: false }, endpoints: [] },
      health: { storagedriver: { enabled: false, interval: 10_000, threshold: 0 }, file: [], http: [], tcp: [] },
      database: { driver: "sqlite", path: "/srv/berth/data/berth.sqlite" },
      gc: { schedule: "", grace: 3_600_000, deleteuntagged: false },
      ui: { enabled: true, session: { lifetime: 12 * 3_600_000, idle: 3_600_000 } },
      validation: { manifests: { maxsize: 4 * 1024 * 1024 } },
    });
    expect(config.http.tls).toBeUndefined();
    expect(config.http.debug).toBeUndefined();
  });

  it("reads the file named by REGISTRY_CONFIGURATION_PATH, relative to cwd, and never takes the variable as a key", () => {
    const { dir } = writeConfig("version: 0.1\nhttp:\n  addr: :6000\n", "berth.yml");
    const warnings: string[] = [];
    const config = loadConfig({ env: { REGISTRY_CONFIGURATION_PATH: "berth.yml" }, cwd: dir, warn: (m) => warnings.push(m) });
    expect(config.http.addr).toBe(":6000");
    expect(warnings).toEqual([]);
  });

  it("prefers options.path to REGISTRY_CONFIGURATION_PATH", () => {
    const { path } = writeConfig("http: {addr: ':7000'}\n");
    const config = loadConfig({ path, env: { REGISTRY_CONFIGURATION_PATH: "/nonexistent.yml" } });
    expect(config.http.addr).toBe(":7000");
  });

  it("treats an empty file as all defaults", () => {
    const { path, dir } = writeConfig("");
    expect(loadConfig({ path, env: {}, cwd: dir }).storage.parameters).toEqual({ rootdirectory: join(dir, "data") });
  });
});

describe("loadConfig file parsing", () => {
  it("reads every section Berth uses", () => {
    const { path, dir } = writeConfig(`
version: "0.1"
log:
  level: DEBUG
  formatter: text
  fields: {service: registry, environment: staging}
  accesslog: {disabled: true}
storage:
  filesystem:
    rootdirectory: registry-data
    maxthreads: "50"
  delete: {enabled: yes}
  redirect: {disable: true}
  maintenance:
    uploadpurging: {enabled: false, age: 1h30m, interval: 30m, dryrun: true}
    readonly: {enabled: true}
http:
  addr: 0.0.0.0:5000
  host: https://registry.example.com
  prefix: /registry/
  secret: asecretforlocaldevelopment
  relativeurls: true
  draintimeout: 500ms
  tls:
    certificate: /certs/domain.crt
    key: /certs/domain.key
    clientcas: [/certs/ca.pem]
    minimumtls: tls1.3
  headers:
    x-content-type-options: [nosniff]
    Strict-Transport-Security: max-age=31536000
  debug:
    addr: localhost:5001
    prometheus: {enabled: true}
auth:
  htpasswd: {realm: basic-realm, path: /auth/htpasswd}
notifications:
  endpoints:
    - {name: listener, url: "http://hooks.local/", timeout: 500ms}
health:
  storagedriver: {enabled: true, interval: 10s, threshold: 3}
database:
  path: /var/lib/berth/index.sqlite
validation:
  manifests: {maxsize: 1048576}
`);
    const config = loadConfig({ path, env: {}, cwd: dir });
    expect(config.log).toEqual({ level: "debug", formatter: "text", fields: { service: "registry", environment: "staging" }, accesslog: { disabled: true } });
    expect(config.storage).toEqual({
      driver: "filesystem",
      parameters: { rootdirectory: join(dir, "registry-data"), maxthreads: 50 },
      delete: { enabled: true },
      redirect: { disable: true },
      maintenance: { uploadpurging: { enabled: false, age: 5_400_000, interval: 1_800_000, dryrun: true }, readonly: { enabled: true } },
    });
    expect(config.http).toEqual({
      addr: "0.0.0.0:5000",
      net: "tcp",
      host: "https://registry.example.com",
      prefix: "/registry/",
      secret: "asecretforlocaldevelopment",
      relativeurls: true,
      draintimeout: 500,
      tls: {
        certificate: "/certs/domain.crt",
        key: "/certs/domain.key",
        clientcas: ["/certs/ca.pem"],
        clientauth: "require-and-verify-client-cert",
        minimumtls: "tls1.3",
        ciphersuites: [],
      },
      headers: { "X-Content-Type-Options": ["nosniff"], "Strict-Transport-Security": ["max-age=31536000"] },
      debug: { addr: "localhost:5001", prometheus: { enabled: true, path: "/metrics" } },
    });
    expect(config.auth).toEqual({ htpasswd: { realm: "basic-realm", path: "/auth/htpasswd" } });
    expect(config.notifications.endpoints).toMatchObject([{ name: "listener", url: "http://hooks.local/", timeout: 500, threshold: 10, backoff: 1000 }]);
    expect(config.health.storagedriver).toEqual({ enabled: true, interval: 10_000, threshold: 3 });
    expect(config.database).toEqual({ driver: "sqlite", path: "/var/lib/berth/index.sqlite" });
    expect(config.validation.manifests.maxsize).toBe(1_048_576);
  });

  it("takes `storage: inmemory` and `auth: silly` as sections with no parameters", () => {
    const { path } = writeConfig("version: 0.1\nstorage: inmemory\nauth: silly\n");
    const config = loadConfig({ path, env: {} });
    expect(config.storage.driver).toBe("inmemory");
    expect(config.storage.parameters).toEqual({});
    expect(config.auth).toEqual({ silly: {} });
  });

  it("takes an empty driver section (`s3:`) as a driver with no parameters", () => {
    const { path } = writeConfig("storage:\n  s3:\n  delete:\n    enabled: true\n");
    const config = loadConfig({ path, env: {} });
    expect(config.storage.driver).toBe("s3");
    expect(config.storage.parameters).toEqual({});
    expect(config.storage.delete.enabled).toBe(true);
  });

  it("defaults filesystem.rootdirectory to registry:2's /var/lib/registry when the section omits it", () => {
    const { path } = writeConfig("storage: filesystem\n");
    expect(loadConfig({ path, env: {} }).storage.parameters).toEqual({ rootdirectory: "/var/lib/registry" });
  });

  it("passes other drivers' parameters on untouched", () => {
    const { path } = writeConfig("storage:\n  s3: {region: us-east-1, bucket: b, secure: false, chunksize: 5242880}\n");
    expect(loadConfig({ path, env: {} }).storage.parameters).toEqual({ region: "us-east-1", bucket: "b", secure: false, chunksize: 5_242_880 });
  });

  it("uses the deprecated loglevel when log.level is not set", () => {
    const { path } = writeConfig("loglevel: warn\n");
    expect(loadConfig({ path, env: {} }).log.level).toBe("warn");
    const both = writeConfig("loglevel: warn\nlog: {level: error}\n");
    expect(loadConfig({ path: both.path, env: {} }).log.level).toBe("error");
  });

  it("reads YAML as registry:2 does: merge keys, 1.1 booleans, timestamps and 1:30 as strings", () => {
    const { path } = writeConfig(`
notifications:
  events: &events {includereferences: true}
auth:
  token:
    <<: *events
    since: 2001-12-14
    window: 1:30
storage:
  inmemory:
  delete: {enabled: on}
`);
    const config = loadConfig({ path, env: {} });
    expect(config.auth).toEqual({ token: { includereferences: true, since: "2001-12-14", window: "1:30" } });
    expect(config.storage.delete.enabled).toBe(true);
  });

  it("keeps a numeric string value as its decimal text", () => {
    const { path } = writeConfig("http: {secret: 123456}\n");
    expect(loadConfig({ path, env: {} }).http.secret).toBe("123456");
  });

  it("accepts an IPv6 listen address and a unix socket", () => {
    expect(loadConfig({ env: { REGISTRY_HTTP_ADDR: "'[::1]:5000'" } }).http.addr).toBe("[::1]:5000");
    const unix = loadConfig({ env: { REGISTRY_HTTP_NET: "unix", REGISTRY_HTTP_ADDR: "/run/berth.sock" } });
    expect(unix.http).toMatchObject({ net: "unix", addr: "/run/berth.sock" });
  });

  it("keeps SQLite's :memory: as it is (quoted: unquoted, YAML reads it as a map)", () => {
    expect(loadConfig({ env: { REGISTRY_DATABASE_PATH: "':memory:'" } }).database.path).toBe(":memory:");
  });
});

describe("loadConfig file errors", () => {
  it("names a missing file", () => {
    expect(() => loadConfig({ path: "/nonexistent/berth.yml", env: {} })).toThrow(
      new ConfigError(["/nonexistent/berth.yml: cannot read the configuration file (ENOENT)"]),
    );
  });

  it("names the file and the line of a YAML error", () => {
    const { path } = writeConfig("version: 0.1\nhttp:\n  addr: [1, 2\nlog: {}\n");
    expect(() => loadConfig({ path, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ path, env: {} })).toThrow(new RegExp(`^${path}: invalid YAML: .* at line 4, column 1$`));
  });

  it("rejects duplicate keys, as yaml.v2 does", () => {
    const { path } = writeConfig("http:\n  addr: :1\n  addr: :2\n");
    expect(() => loadConfig({ path, env: {} })).toThrow(/invalid YAML: Map keys must be unique at line 3/);
  });

  it("rejects a file that is not a map", () => {
    const { path } = writeConfig("- a\n- b\n");
    expect(() => loadConfig({ path, env: {} })).toThrow(`${path}: expected a map of configuration keys at the top level`);
  });

  it("reports every problem, one per line", () => {
    const { path } = writeConfig("version: 0.2\nlog: {level: loud}\nhttp: {addr: foo}\n");
    try {
      loadConfig({ path, env: {}, ...quiet });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'version: expected "0.1", got "0.2"',
        'log.level: expected one of "error", "warn", "info", "debug", got "loud"',
        'http.addr: expected "host:port" or ":port", got "foo"',
      ]);
    }
  });
});
