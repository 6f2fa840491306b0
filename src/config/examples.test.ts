import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./index.js";
import { writeConfig } from "./test-files.js";

const EXAMPLE = fileURLToPath(new URL("../../config.example.yml", import.meta.url));
const DEBIAN_CONFIG = "/etc/docker/registry/config.yml";

/** A registry:2 config.yml as operators write them: cache, headers, htpasswd, webhooks, redis, debug. */
const REGISTRY2_CONFIG = `
version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: registry
    environment: production
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  cache:
    blobdescriptor: redis
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: true
      age: 72h
      interval: 12h
      dryrun: false
    readonly:
      enabled: false
http:
  addr: :5000
  host: https://registry.corp.example
  secret: a-long-shared-secret-for-all-replicas
  headers:
    X-Content-Type-Options: [nosniff]
    Access-Control-Allow-Origin: ['*']
  debug:
    addr: :5001
    prometheus:
      enabled: true
      path: /metrics
  http2:
    disabled: false
auth:
  htpasswd:
    realm: Registry Realm
    path: /auth/htpasswd
notifications:
  events:
    includereferences: true
  endpoints:
    - name: audit
      url: https://audit.corp.example/registry-events
      headers:
        Authorization: [Bearer 0123456789abcdef]
      timeout: 2s
      threshold: 5
      backoff: 10s
      ignoredmediatypes:
        - application/octet-stream
redis:
  addr: redis:6379
  db: 0
  dialtimeout: 10ms
  readtimeout: 10ms
  writetimeout: 10ms
  pool:
    maxidle: 16
    maxactive: 64
    idletimeout: 300s
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
`;

describe("example configurations", () => {
  it("config.example.yml loads without error or warning", () => {
    const warnings: string[] = [];
    const config = loadConfig({ path: EXAMPLE, env: {}, cwd: "/srv/berth", warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(config.storage).toMatchObject({ driver: "filesystem", parameters: { rootdirectory: "/srv/berth/data" } });
    expect(config.http.addr).toBe("127.0.0.1:5000");
    expect(config.database.path).toBe("/srv/berth/data/berth.sqlite");
  });

  it("config.example.yml agrees with the defaults, except for the header it shows", () => {
    const fromExample = loadConfig({ path: EXAMPLE, env: {}, cwd: "/srv/berth" });
    const defaults = loadConfig({ env: {}, cwd: "/srv/berth" });
    expect({ ...fromExample, http: { ...fromExample.http, headers: {} } }).toEqual(defaults);
  });

  it("a registry:2 config.yml loads unchanged", () => {
    const { path } = writeConfig(REGISTRY2_CONFIG);
    const config = loadConfig({ path, env: {} });
    expect(config.log).toEqual({ level: "info", formatter: "text", fields: { service: "registry", environment: "production" }, accesslog: { disabled: false } });
    expect(config.storage).toEqual({
      driver: "filesystem",
      parameters: { rootdirectory: "/var/lib/registry" },
      delete: { enabled: true },
      redirect: { disable: false },
      maintenance: { uploadpurging: { enabled: true, age: 72 * 3_600_000, interval: 12 * 3_600_000, dryrun: false }, readonly: { enabled: false } },
    });
    expect(config.http).toMatchObject({
      addr: ":5000",
      host: "https://registry.corp.example",
      secret: "a-long-shared-secret-for-all-replicas",
      headers: { "X-Content-Type-Options": ["nosniff"], "Access-Control-Allow-Origin": ["*"] },
      debug: { addr: ":5001", prometheus: { enabled: true, path: "/metrics" } },
    });
    expect(config.auth).toEqual({ htpasswd: { realm: "Registry Realm", path: "/auth/htpasswd" } });
    expect(config.notifications).toMatchObject({
      events: { includereferences: true },
      endpoints: [{ name: "audit", timeout: 2000, threshold: 5, backoff: 10_000, ignore: { mediatypes: ["application/octet-stream"], actions: [] } }],
    });
    expect(config.health).toEqual({ storagedriver: { enabled: true, interval: 10_000, threshold: 3 }, file: [], http: [], tcp: [] });
  });

  it("the Docker image's way of running it: the file plus REGISTRY_* variables", () => {
    const { path } = writeConfig(REGISTRY2_CONFIG);
    const config = loadConfig({
      path,
      env: {
        REGISTRY_HTTP_ADDR: "0.0.0.0:443",
        REGISTRY_HTTP_TLS_CERTIFICATE: "/certs/domain.crt",
        REGISTRY_HTTP_TLS_KEY: "/certs/domain.key",
        REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: "/data",
        REGISTRY_AUTH_HTPASSWD_PATH: "/run/secrets/htpasswd",
      },
    });
    expect(config.http.addr).toBe("0.0.0.0:443");
    expect(config.http.tls).toMatchObject({ certificate: "/certs/domain.crt", key: "/certs/domain.key" });
    expect(config.storage.parameters).toEqual({ rootdirectory: "/data" });
    expect(config.auth).toEqual({ htpasswd: { realm: "Registry Realm", path: "/run/secrets/htpasswd" } });
  });

  it.skipIf(!existsSync(DEBIAN_CONFIG))("Debian's docker-registry config.yml loads unchanged", () => {
    const config = loadConfig({ path: DEBIAN_CONFIG, env: {} });
    expect(config.storage.driver).toBe("filesystem");
    expect(config.http.addr).toBe(":5000");
  });
});
