import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./index.js";
import { writeConfig } from "./test-files.js";

/** The problems loadConfig reports for `file` (none → []). */
function problems(file: string): string[] {
  try {
    loadConfig({ path: writeConfig(file).path, env: {} });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe("validation: every problem names its key", () => {
  it.each([
    ["version: 2", 'version: expected "0.1", got "2"'],
    ["log: {level: verbose}", 'log.level: expected one of "error", "warn", "info", "debug", got "verbose"'],
    ["log: {formatter: xml}", 'log.formatter: expected one of "text", "json", "logstash", got "xml"'],
    ["log: {fields: [a]}", "log.fields: expected a map, got a list"],
    ["log: {accesslog: {disabled: 1}}", "log.accesslog.disabled: expected true or false, got 1"],
    ["loglevel: derp", 'loglevel: expected one of "error", "warn", "info", "debug", got "derp"'],
    ["http: {addr: foo}", 'http.addr: expected "host:port" or ":port", got "foo"'],
    ["http: {addr: 5000}", 'http.addr: expected "host:port" or ":port", got "5000"'],
    ["http: {addr: ':99999'}", 'http.addr: expected "host:port" or ":port", got ":99999"'],
    ["http: {net: udp}", 'http.net: expected one of "tcp", "unix", got "udp"'],
    ["http: {net: unix}", 'http.addr: required (a socket path) when http.net is "unix"'],
    ["http: {host: registry.example.com}", 'http.host: expected an absolute http(s) URL like "https://registry.example.com", got "registry.example.com"'],
    ["http: {prefix: registry}", 'http.prefix: expected a path starting with "/", got "registry"'],
    ["http: {relativeurls: maybe}", 'http.relativeurls: expected true or false, got "maybe"'],
    ["http: {draintimeout: 10}", null],
    ["http: {draintimeout: 10 seconds}", 'http.draintimeout: expected a duration like "30s", "1h30m" or "168h", got "10 seconds"'],
    ["http: {draintimeout: -1s}", 'http.draintimeout: expected a duration like "30s", "1h30m" or "168h", got "-1s"'],
    ["http: {tls: {certificate: /c.crt}}", "http.tls.key: required when http.tls.certificate is set"],
    ["http: {tls: {certificate: /c, key: /k, minimumtls: tls1.4}}", 'http.tls.minimumtls: expected one of "tls1.0", "tls1.1", "tls1.2", "tls1.3", got "tls1.4"'],
    ["http: {tls: {certificate: /c, key: /k, clientauth: always}}", 'http.tls.clientauth: expected one of "request-client-cert", "require-any-client-cert", "verify-client-cert-if-given", "require-and-verify-client-cert", got "always"'],
    ["http: {tls: {letsencrypt: {cachefile: /le}}}", "http.tls.letsencrypt: Let's Encrypt is not supported by Berth; set http.tls.certificate and http.tls.key"],
    ["http: {tls: {certificate: /c, key: /k, letsencrypt: {cachefile: /le}}}", "http.tls.letsencrypt: cannot specify both certificate and Let's Encrypt"],
    ["http: {headers: {X-Frame-Options: {a: b}}}", "http.headers.X-Frame-Options: expected a list, got a map"],
    ["http: {headers: {'Bad Name': [x]}}", 'http.headers.Bad Name: "Bad Name" is not a valid header name'],
    ["http: {debug: {addr: nowhere}}", 'http.debug.addr: expected "host:port" or ":port", got "nowhere"'],
    ["http: {adr: ':5000'}", "http.adr: unknown key"],
    ["storage: {delete: {enabled: true}}", "storage: exactly one driver section (filesystem, inmemory, s3, azure, swift), found none"],
    ["storage:", "storage: exactly one driver section (filesystem, inmemory, s3, azure, swift), found none"],
    ["storage: {filesystem: {}, inmemory: {}}", "storage: exactly one driver section (filesystem, inmemory, s3, azure, swift), found 2 (filesystem, inmemory)"],
    ["storage: {gcs: {bucket: b}}", "storage.gcs: unsupported storage driver (Berth has: filesystem, inmemory, s3, azure, swift)"],
    ["storage: {s3: bucket}", "storage.s3: expected a map, got \"bucket\""],
    ["storage: {filesystem: {rootdirectory: ''}}", "storage.filesystem.rootdirectory: expected a directory, got an empty string"],
    ["storage: {filesystem: {maxthreads: 5}}", "storage.filesystem.maxthreads: expected an integer of at least 25, got 5"],
    ["storage: {filesystem: {root: /x}}", "storage.filesystem.root: unknown key"],
    ["storage: {inmemory: , delete: {enabled: 'true'}}", 'storage.delete.enabled: expected true or false, got "true"'],
    ["storage: {inmemory: , redirect: {disable: 1}}", "storage.redirect.disable: expected true or false, got 1"],
    ["storage: {inmemory: , maintenance: {uploadpurging: {age: 168}}}", 'storage.maintenance.uploadpurging.age: expected a duration like "30s", "1h30m" or "168h", got 168'],
    ["storage: {inmemory: , maintenance: {uploadpurging: {interval: 1d}}}", 'storage.maintenance.uploadpurging.interval: expected a duration like "30s", "1h30m" or "168h", got "1d"'],
    ["storage: {inmemory: , maintenance: {readonly: {enabled: 2}}}", "storage.maintenance.readonly.enabled: expected true or false, got 2"],
    ["storage: {inmemory: , maintenance: {uploadpurge: {}}}", "storage.maintenance.uploadpurge: unknown key"],
    ["auth: {htpasswd: realm}", 'auth.htpasswd: expected a map, got "realm"'],
    ["database: {driver: mysql}", 'database.driver: expected one of "sqlite", "postgres", got "mysql"'],
    ["database: {path: [a]}", "database.path: expected a string, got a list"],
    ["validation: {manifests: {maxsize: 0}}", "validation.manifests.maxsize: expected more than 0, got 0"],
    ["validation: {manifests: {maxsize: 1.5}}", "validation.manifests.maxsize: expected an integer, got 1.5"],
    ["validation: {manifests: {maxsiz: 1}}", "validation.manifests.maxsiz: unknown key"],
    ["colour: blue", "colour: unknown key"],
  ])("%s", (file, message) => {
    expect(problems(file)).toEqual(message === null ? [] : [message]);
  });

  it("names the variable beside the key when a variable set it", () => {
    expect(() => loadConfig({ env: { REGISTRY_HTTP_HOST: "example.com" } })).toThrow(
      new ConfigError(['http.host: expected an absolute http(s) URL like "https://registry.example.com", got "example.com" (set by REGISTRY_HTTP_HOST)']),
    );
  });
});

describe("validation: registry:2 keys Berth accepts without acting on", () => {
  it("accepts them all", () => {
    expect(
      problems(`
version: 0.1
loglevel: info
log:
  reportcaller: false
  hooks:
    - type: mail
      disabled: true
      levels: [panic]
      options: {smtp: {addr: "mail.example.com:25", insecure: true}, from: a@example.com, to: [b@example.com]}
storage:
  filesystem: {rootdirectory: /var/lib/registry, maxthreads: 100}
  cache: {blobdescriptor: redis, blobdescriptorsize: 10000}
  tag: {concurrencylimit: 8}
  redirect: {disable: false}
http:
  addr: :5000
  relativeurls: false
  draintimeout: 60s
  net: tcp
  http2: {disabled: false}
  h2c: {enabled: false}
  debug: {addr: :5001, prometheus: {enabled: true, path: /metrics}}
  tls:
    letsencrypt: {email: a@example.com, hosts: [registry.example.com]}
    ciphersuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
middleware:
  registry: [{name: redirect, options: {baseurl: "https://example.com/"}}]
reporting:
  bugsnag: {apikey: k, releasestage: s, endpoint: e}
  newrelic: {licensekey: k, name: n, verbose: true}
redis:
  addr: localhost:6379
  password: asecret
  db: 0
  dialtimeout: 10ms
  pool: {maxidle: 16, maxactive: 64, idletimeout: 300s}
  tls: {enabled: false}
proxy:
  remoteurl: https://registry-1.docker.io
  username: u
  password: p
  ttl: 168h
compatibility:
  schema1: {signingkeyfile: /etc/registry/key.json, enabled: true}
validation:
  enabled: true
  disabled: false
  manifests:
    urls: {allow: ['^https?://([^/]+\\.)*example\\.com/'], deny: ['^https?://www\\.example\\.com/']}
    indexes: {platforms: list, platformlist: [{architecture: amd64, os: linux}]}
catalog: {maxentries: 100}
tags: {maxtags: 100}
policy: {repository: {classes: [image]}}
`),
    ).toEqual([]);
  });
});
