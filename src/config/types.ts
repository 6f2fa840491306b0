/**
 * The validated configuration Berth runs on. Keys follow registry:2's config.yml
 * (lower-case, same nesting) plus Berth's own sections (database, ...).
 * Every field is filled: loadConfig() applies defaults before returning.
 */
export type LogLevel = "error" | "warn" | "info" | "debug";

export interface FilesystemStorageConfig {
  rootdirectory: string;
  maxthreads?: number;
}

/** Parameters of a storage driver other than filesystem, passed to its factory untouched. */
export type DriverParameters = Record<string, unknown>;

export interface StorageConfig {
  /** The one driver section present: "filesystem", "inmemory", "s3", "azure", "swift". */
  driver: string;
  /** That section's parameters (for filesystem: { rootdirectory, maxthreads }). */
  parameters: DriverParameters;
  delete: { enabled: boolean };
  redirect: { disable: boolean };
  maintenance: {
    uploadpurging: { enabled: boolean; age: number /* ms */; interval: number /* ms */; dryrun: boolean };
    readonly: { enabled: boolean };
  };
}

export interface TlsConfig {
  certificate: string;
  key: string;
  clientcas: string[];
}

export interface HttpConfig {
  /** host:port or :port, as registry:2 ("127.0.0.1:5000" by default). */
  addr: string;
  /** External base URL used in Location headers when set (e.g. https://registry.example.com). */
  host?: string;
  /** Path prefix the API is served under, "/" by default. */
  prefix: string;
  secret?: string;
  tls?: TlsConfig;
  headers: Record<string, string[]>;
  debug?: { addr: string; prometheus: { enabled: boolean; path: string } };
  /** Milliseconds to wait for in-flight requests on SIGTERM. */
  draintimeout: number;
}

export interface Config {
  version: string;
  log: { level: LogLevel; formatter: "json" | "text"; fields: Record<string, unknown>; accesslog: { disabled: boolean } };
  storage: StorageConfig;
  http: HttpConfig;
  /** registry:2's auth section, kept as parsed (issue 4 gives it a schema). */
  auth: Record<string, Record<string, unknown>>;
  notifications: Record<string, unknown>;
  health: Record<string, unknown>;
  /** Berth: the metadata index. */
  database: { driver: "sqlite"; path: string };
  /** Berth: manifest size limit in bytes (4 MiB default). */
  validation: { manifests: { maxsize: number } };
}
