/**
 * The validated configuration Berth runs on. Keys follow registry:2's config.yml
 * (lower-case, same nesting) plus Berth's own sections (database, ...).
 * Every field is filled: loadConfig() applies defaults before returning.
 * Durations are milliseconds; paths Berth owns (rootdirectory, database.path) are absolute.
 */
export type LogLevel = "error" | "warn" | "info" | "debug";

export interface FilesystemStorageConfig {
  /** Absolute. registry:2's default when the filesystem section omits it: /var/lib/registry. */
  rootdirectory: string;
  /** registry:2's limit on concurrent filesystem calls (at least 25); absent when not set. */
  maxthreads?: number;
}

/** Parameters of a storage driver other than filesystem, passed to its factory untouched. */
export type DriverParameters = Record<string, unknown>;

export type StorageDriverName = "filesystem" | "inmemory" | "s3" | "azure" | "swift";

export interface StorageConfig {
  /** The one driver section present: "filesystem", "inmemory", "s3", "azure", "swift". */
  driver: StorageDriverName;
  /** That section's parameters (for filesystem: { rootdirectory, maxthreads }). */
  parameters: DriverParameters;
  delete: { enabled: boolean };
  redirect: { disable: boolean };
  maintenance: {
    uploadpurging: { enabled: boolean; age: number /* ms */; interval: number /* ms */; dryrun: boolean };
    readonly: { enabled: boolean };
  };
}

export type TlsClientAuth =
  | "request-client-cert"
  | "require-any-client-cert"
  | "verify-client-cert-if-given"
  | "require-and-verify-client-cert";

export type TlsVersion = "tls1.0" | "tls1.1" | "tls1.2" | "tls1.3";

/** Present only when http.tls.certificate is set (registry:2 serves plain HTTP otherwise). */
export interface TlsConfig {
  certificate: string;
  key: string;
  clientcas: string[];
  /** How client certificates are checked when clientcas is set (registry:2's default: require-and-verify-client-cert). */
  clientauth: TlsClientAuth;
  /** Lowest TLS version accepted ("tls1.2" by default, as registry:2). */
  minimumtls: TlsVersion;
  /** Cipher suite names (Go spelling) to allow; empty means the runtime's defaults. */
  ciphersuites: string[];
}

export interface HttpConfig {
  /** host:port or :port, as registry:2 ("127.0.0.1:5000" by default); a socket path when net is "unix". */
  addr: string;
  /** "tcp" (default) or "unix" (addr is then a socket path). */
  net: "tcp" | "unix";
  /** External base URL used in Location headers when set (e.g. https://registry.example.com). */
  host?: string;
  /** Path prefix the API is served under, "/" by default. */
  prefix: string;
  secret?: string;
  /** registry:2: answer with relative URLs in Location headers. */
  relativeurls: boolean;
  tls?: TlsConfig;
  /** Extra response headers; names in canonical form (X-Content-Type-Options), values in order. */
  headers: Record<string, string[]>;
  /** Present only when http.debug.addr is set. */
  debug?: { addr: string; prometheus: { enabled: boolean; path: string } };
  /** Milliseconds to wait for in-flight requests on SIGTERM. */
  draintimeout: number;
}

/** registry:2 reads unknown option keys without complaint; they are kept as written. */
type Extra = { [key: string]: unknown };

/** registry:2's htpasswd controller; required keys are checked when it starts. */
export type HtpasswdAuthConfig = Extra & { realm?: string; path?: string; allowplainhttp?: boolean };

/** registry:2's token controller: tokens from an external issuer. */
export type TokenAuthConfig = Extra & {
  realm?: string;
  service?: string;
  issuer?: string;
  rootcertbundle?: string;
  jwks?: string;
  signingalgorithms?: string[];
  autoredirect?: boolean;
};

export type GlobalRole = "none" | "read-only" | "read-write" | "admin";

/** Berth's own access control: managed users (and LDAP), organizations, teams, grants. */
export interface BerthAuthConfig {
  mode: "token" | "basic";
  realm?: string;
  service: string;
  issuer: string;
  signingkey?: string;
  /** Milliseconds. */
  tokenexpiry: number;
  /** Milliseconds. */
  refreshexpiry: number;
  anonymous: boolean;
  createonpush: boolean;
  defaultvisibility: "private" | "public";
  allowplainhttp: boolean;
  failedlogins: { peruser: number; peraddress: number; window: number /* ms */ };
}

export interface AuthConfig {
  htpasswd?: HtpasswdAuthConfig;
  token?: TokenAuthConfig;
  silly?: Extra & { realm?: string; service?: string };
  berth?: BerthAuthConfig;
}

export interface LdapConfig {
  url: string;
  starttls: boolean;
  tls: { ca?: string; insecureskipverify: boolean };
  binddn?: string;
  bindpassword?: string;
  userbasedn: string;
  loginattribute: string;
  userfilter: string;
  admingroupdn?: string;
  groupmemberattribute: "memberUid" | "member" | "uniqueMember" | "memberOf";
  /** Milliseconds. */
  syncinterval: number;
  defaultrole: GlobalRole;
  /** Milliseconds. */
  timeout: number;
}

/** One notifications.endpoints entry; durations in ms, registry:2's defaults filled in. */
export interface NotificationEndpointConfig {
  name: string;
  url: string;
  disabled: boolean;
  /** Sent with every POST; names in canonical form. */
  headers: Record<string, string[]>;
  /** Milliseconds per POST (1s by default). */
  timeout: number;
  /** Failures in a row before retries wait `backoff` (10 by default). */
  threshold: number;
  /** Milliseconds between retries once `threshold` is reached (1s by default). */
  backoff: number;
  /** ignoredmediatypes and ignore.mediatypes merged, and ignore.actions. */
  ignore: { mediatypes: string[]; actions: ("push" | "pull" | "delete" | "mount")[] };
}

export interface NotificationsConfig {
  events: { includereferences: boolean };
  endpoints: NotificationEndpointConfig[];
}

/** registry:2's health section; durations in ms, thresholds as given (0: the first failure counts). */
export interface HealthConfig {
  storagedriver: { enabled: boolean; interval: number; threshold: number };
  /** Unhealthy while the file exists. */
  file: { file: string; interval: number }[];
  http: { uri: string; headers: Record<string, string[]>; statuscode: number; timeout: number; interval: number; threshold: number }[];
  tcp: { addr: string; timeout: number; interval: number; threshold: number }[];
}

/** Berth: scheduled garbage collection. */
export interface GcConfig {
  /** Cron expression, 5 fields or 6 with seconds first; "" means no scheduled collection. */
  schedule: string;
  /** Milliseconds: blobs written or linked this recently are kept even when unreferenced. */
  grace: number;
  /** Untagged manifests are not roots: they and what only they use are collected. */
  deleteuntagged: boolean;
}

/** Berth: the web portal; durations in ms. */
export interface UiConfig {
  enabled: boolean;
  session: { lifetime: number; idle: number };
}

/** TLS to PostgreSQL: verify against `ca` (a PEM file) or the system's CAs, unless insecureskipverify. */
export interface PostgresTls {
  ca?: string;
  insecureskipverify: boolean;
}

/** PostgreSQL connection settings, the URL's parts and the explicit keys merged. */
export interface PostgresConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  /** null: plain TCP. */
  ssl: PostgresTls | null;
  /** Most connections each process opens. */
  pool: number;
}

/**
 * The metadata database: SQLite in a file (the default) or a shared PostgreSQL. `path` stays
 * set with PostgreSQL too: files Berth keeps beside the database (the token signing key) go there.
 */
export type DatabaseConfig = { driver: "sqlite"; path: string } | { driver: "postgres"; path: string; postgres: PostgresConfig };

export interface Config {
  version: string;
  log: { level: LogLevel; formatter: "json" | "text"; fields: Record<string, unknown>; accesslog: { disabled: boolean } };
  storage: StorageConfig;
  http: HttpConfig;
  /** registry:2's auth section (at most one access controller) plus Berth's own. */
  auth: AuthConfig;
  /** Berth: LDAP users (with auth.berth); absent when not configured. */
  ldap?: LdapConfig;
  notifications: NotificationsConfig;
  health: HealthConfig;
  /** Berth: the metadata database. */
  database: DatabaseConfig;
  /** Berth: garbage collection schedule and defaults. */
  gc: GcConfig;
  /** Berth: the web portal at `/` and its sessions. */
  ui: UiConfig;
  /** Berth: manifest size limit in bytes (4 MiB default). */
  validation: { manifests: { maxsize: number } };
}
