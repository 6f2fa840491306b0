/**
 * A real OpenStack Swift all-in-one on loopback, from Debian's packages: memcached, then the
 * account, container and object servers on one-replica rings with their device in a temp folder,
 * then the proxy with tempauth (test:tester / testing), tempurl, bulk, SLO/DLO and s3api, so the
 * same server also speaks S3 path-style (access key "test:tester", secret "testing").
 *
 * Everything lives in one temp folder (configs, rings, device, logs) except swift.conf, which
 * Swift only ever reads from /etc/swift/ and which holds nothing but the hash prefix/suffix.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { spawnLogged } from "./spawn-logged.js";
import { distinctPorts, requireProgram, tempDir } from "./servers.js";

export interface RunningSwift {
  /** tempauth's v1 auth endpoint, e.g. http://127.0.0.1:41234/auth/v1.0 */
  authUrl: string;
  /** The same proxy, for S3 clients (path-style, region us-east-1). */
  s3Endpoint: string;
  /** tempauth user "test:tester", also the S3 access key. */
  user: string;
  /** tempauth key "testing", also the S3 secret key. */
  key: string;
  /** Where the configs, rings, device and server logs live. */
  dir: string;
  /** Forgets every issued tempauth token (flushes memcached), so clients meet a 401 and must log in again. */
  expireTokens(): Promise<void>;
  stop(): Promise<void>;
}

const SWIFT_CONF = "/etc/swift/swift.conf";
const USER = "test:tester";
const KEY = "testing";
// Well under a minute on a quiet machine; a loaded CI machine has been seen to need more than 60 s.
const STARTUP_TIMEOUT_MS = 180_000;

const execFileAsync = promisify(execFile);

/** Starts a fresh Swift; stop() ends every process it started and removes its folder. */
export async function startSwift(): Promise<RunningSwift> {
  requireProgram("/usr/bin/swift-proxy-server", "swift-proxy");
  requireProgram("/usr/bin/swift-object-server", "swift-object");
  requireProgram("/usr/bin/swift-container-server", "swift-container");
  requireProgram("/usr/bin/swift-account-server", "swift-account");
  requireProgram("/usr/bin/swift-ring-builder", "swift");
  requireProgram("/usr/bin/memcached", "memcached");
  ensureSwiftConf();

  const dir = tempDir("swift");
  const logs = join(dir, "logs");
  const device = join(dir, "srv", "d1");
  mkdirSync(logs);
  mkdirSync(device, { recursive: true });
  const [memcachedPort, proxyPort, accountPort, containerPort, objectPort] = await distinctPorts(5);
  const processes: ChildProcess[] = [];
  const killAll = () => {
    for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killAll);

  const stop = async () => {
    process.removeListener("exit", killAll);
    await Promise.all(processes.map((child) => stopProcess(child)));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const servers = { account: accountPort!, container: containerPort!, object: objectPort! };
    await Promise.all(Object.entries(servers).map(([kind, port]) => buildRing(dir, kind, port)));
    // memcached first: without it tempauth answers 503.
    processes.push(launch("/usr/bin/memcached", ["-l", "127.0.0.1", "-p", String(memcachedPort), "-U", "0", "-u", "root", "-m", "32"], logs, "memcached"));
    for (const [kind, port] of Object.entries(servers)) {
      const conf = join(dir, `${kind}-server.conf`);
      writeFileSync(conf, storageServerConf(kind, port, dir));
      processes.push(launch(`/usr/bin/swift-${kind}-server`, [conf, "-v"], logs, kind));
    }
    const proxyConf = join(dir, "proxy-server.conf");
    writeFileSync(proxyConf, proxyServerConf(proxyPort!, memcachedPort!, dir));
    processes.push(launch("/usr/bin/swift-proxy-server", [proxyConf, "-v"], logs, "proxy"));

    const base = `http://127.0.0.1:${proxyPort}`;
    await waitUntilServing(base, processes, logs);
    const expireTokens = () => flushMemcached(memcachedPort!);
    return { authUrl: `${base}/auth/v1.0`, s3Endpoint: base, user: USER, key: KEY, dir, expireTokens, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * Swift reads /etc/swift/swift.conf whatever swift_dir says. A hash prefix or suffix that is
 * already set is kept (another Swift on this machine may depend on it); otherwise a test one is
 * written atomically, so two harnesses starting at once never see half a file.
 */
function ensureSwiftConf(): void {
  if (existsSync(SWIFT_CONF) && /^\s*swift_hash_path_(suffix|prefix)\s*=\s*\S+/m.test(readFileSync(SWIFT_CONF, "utf8"))) return;
  mkdirSync("/etc/swift", { recursive: true });
  const staged = `${SWIFT_CONF}.${process.pid}.tmp`;
  writeFileSync(staged, "[swift-hash]\nswift_hash_path_prefix = berth-test\nswift_hash_path_suffix = berth-test\n");
  renameSync(staged, SWIFT_CONF);
}

/** One replica, one device, 2^6 partitions: enough for a test and quick to build. */
async function buildRing(dir: string, kind: string, port: number): Promise<void> {
  const builder = join(dir, `${kind}.builder`);
  const ringBuilder = (args: string[]) => execFileAsync("/usr/bin/swift-ring-builder", [builder, ...args], { cwd: dir });
  await ringBuilder(["create", "6", "1", "1"]);
  await ringBuilder(["add", `r1z1-127.0.0.1:${port}/d1`, "1"]);
  // rebalance exits 1 with a warning on a one-device ring yet writes the ring; the ring file is what counts.
  await ringBuilder(["rebalance"]).catch(() => undefined);
  if (!existsSync(join(dir, `${kind}.ring.gz`))) throw new Error(`swift-ring-builder did not write ${kind}.ring.gz in ${dir}`);
}

function storageServerConf(kind: string, port: number, dir: string): string {
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 0
user = root
swift_dir = ${dir}
devices = ${join(dir, "srv")}
mount_check = false
log_level = WARNING

[pipeline:main]
pipeline = ${kind}-server

[app:${kind}-server]
use = egg:swift#${kind}

[${kind}-replicator]
[${kind}-auditor]
${kind === "account" ? "" : `[${kind}-updater]\n`}`;
}

function proxyServerConf(port: number, memcachedPort: number, dir: string): string {
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 0
user = root
swift_dir = ${dir}
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo proxy-logging proxy-server

# One object server holds everything: the proxy must neither give up on it after 10 s under a
# registry's parallel part copies nor, after 10 such errors, stop using it for a minute (the
# defaults, meant for a cluster with other replicas to turn to; here every request would get 503).
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
node_timeout = 60
error_suppression_limit = 1000000

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = ${KEY} .admin

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

# Swift's default of 2 connections to memcached makes requests queue for them once ~100 are in
# flight (a registry's parallel part copies), then time out and error-limit memcached, failing auth.
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${memcachedPort}
memcache_max_connections = 64

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:tempurl]
use = egg:swift#tempurl

[filter:copy]
use = egg:swift#copy

# Swift's default serves segments past the 10th at one per second; tests read many small segments.
[filter:slo]
use = egg:swift#slo
rate_limit_segments_per_sec = 0

[filter:dlo]
use = egg:swift#dlo
rate_limit_segments_per_sec = 0
`;
}

function launch(command: string, args: string[], logs: string, name: string): ChildProcess {
  const logFile = join(logs, `${name}.log`);
  const child = spawnLogged(command, args, logFile);
  child.once("error", (error) => appendFileSync(logFile, `spawn failed: ${error.message}\n`));
  return child;
}

/** Ready when a tempauth login works and an object can be written and read back through every server. */
async function waitUntilServing(base: string, processes: ChildProcess[], logs: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastProblem = "not answering yet";
  while (Date.now() < deadline) {
    const dead = processes.find((child) => child.exitCode !== null || child.signalCode !== null);
    if (dead) throw new Error(`a Swift process (${dead.spawnfile}) exited with ${dead.exitCode ?? dead.signalCode} during startup; logs in ${logs}`);
    try {
      lastProblem = await probe(base);
      if (lastProblem === "") return;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Swift at ${base} not ready after ${STARTUP_TIMEOUT_MS} ms (${lastProblem}); logs in ${logs}`);
}

/** "" when Swift works end to end, else what is still wrong. */
async function probe(base: string): Promise<string> {
  const auth = await fetch(`${base}/auth/v1.0`, { headers: { "X-Auth-User": USER, "X-Auth-Key": KEY } });
  const token = auth.headers.get("x-auth-token");
  const storageUrl = auth.headers.get("x-storage-url");
  if (auth.status !== 200 || !token || !storageUrl) return `auth answered ${auth.status}`;
  const headers = { "X-Auth-Token": token };
  const container = await fetch(`${storageUrl}/berth-harness-probe`, { method: "PUT", headers });
  if (container.status >= 300) return `container PUT answered ${container.status}`;
  const object = `${storageUrl}/berth-harness-probe/probe`;
  const put = await fetch(object, { method: "PUT", headers, body: "ok" });
  if (put.status !== 201) return `object PUT answered ${put.status}`;
  const get = await fetch(object, { headers });
  if (get.status !== 200 || (await get.text()) !== "ok") return `object GET answered ${get.status}`;
  await fetch(object, { method: "DELETE", headers });
  await fetch(`${storageUrl}/berth-harness-probe`, { method: "DELETE", headers });
  return "";
}

/**
 * The REGISTRY_* variables an operator would set to put a registry's storage on this Swift.
 * startBerth() presets a filesystem root; an undefined value makes spawn() leave that variable
 * out, so the storage section holds the swift driver alone.
 */
export function swiftRegistryEnv(swift: Pick<RunningSwift, "authUrl" | "user" | "key">, options: { container: string; prefix?: string; authUrl?: string }): Record<string, string> {
  const env: Record<string, string | undefined> = {
    REGISTRY_STORAGE: "swift",
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: undefined,
    REGISTRY_STORAGE_SWIFT_AUTHURL: options.authUrl ?? swift.authUrl,
    REGISTRY_STORAGE_SWIFT_USERNAME: swift.user,
    REGISTRY_STORAGE_SWIFT_PASSWORD: swift.key,
    REGISTRY_STORAGE_SWIFT_CONTAINER: options.container,
  };
  if (options.prefix) env.REGISTRY_STORAGE_SWIFT_PREFIX = options.prefix;
  return env as Record<string, string>;
}

/** Direct access to the running Swift for tests that look at what a registry stored. */
export interface SwiftInspector {
  token: string;
  storageUrl: string;
  /** Names of every object in container whose name starts with prefix (no delimiter). */
  list(container: string, prefix?: string): Promise<{ name: string; bytes: number }[]>;
  /** The object's response headers (lower-case names), or null when it is missing. */
  head(container: string, object: string): Promise<Record<string, string> | null>;
  request(method: string, path: string, init?: { headers?: Record<string, string>; body?: Buffer | string }): Promise<Response>;
}

export async function inspectSwift(swift: Pick<RunningSwift, "authUrl" | "user" | "key">): Promise<SwiftInspector> {
  const auth = await fetch(swift.authUrl, { headers: { "X-Auth-User": swift.user, "X-Auth-Key": swift.key } });
  const token = auth.headers.get("x-auth-token");
  const storageUrl = auth.headers.get("x-storage-url");
  if (auth.status !== 200 || !token || !storageUrl) throw new Error(`Swift login answered ${auth.status}`);
  const request = (method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer | string } = {}) =>
    fetch(`${storageUrl}/${path}`, {
      method,
      headers: { "X-Auth-Token": token, ...init.headers },
      body: typeof init.body === "string" || init.body === undefined ? init.body : new Uint8Array(init.body),
    });
  return {
    token,
    storageUrl,
    request,
    async list(container, prefix = "") {
      const all: { name: string; bytes: number }[] = [];
      let marker = "";
      for (;;) {
        const query = new URLSearchParams({ format: "json", prefix, marker });
        const response = await request("GET", `${encodeURIComponent(container)}?${query}`);
        if (response.status === 404) return all;
        const page = (await response.json()) as { name: string; bytes: number }[];
        all.push(...page.map(({ name, bytes }) => ({ name, bytes })));
        if (page.length < 10_000) return all;
        marker = page[page.length - 1]!.name;
      }
    },
    async head(container, object) {
      const response = await request("HEAD", `${encodeURIComponent(container)}/${object}`);
      if (response.status === 404) return null;
      if (response.status >= 300) throw new Error(`HEAD ${container}/${object} answered ${response.status}`);
      return Object.fromEntries(response.headers.entries());
    },
  };
}

/** tempauth keeps its tokens in memcached only. */
function flushMemcached(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("flush_all\r\n"));
    socket.setTimeout(5_000, () => socket.destroy(new Error("memcached did not answer flush_all")));
    socket.once("data", (data) => {
      socket.end();
      if (data.toString().startsWith("OK")) resolve();
      else reject(new Error(`memcached answered flush_all with ${data.toString().trim()}`));
    });
    socket.once("error", reject);
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
