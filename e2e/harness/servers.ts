/**
 * Starting real registries for end-to-end tests and benchmarks: Berth (built to dist/)
 * and the reference, Debian's `docker-registry` (registry:2.8). Each gets its own port
 * and storage root; stop() kills it and waits for exit.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { createServer } from "node:net";
import { spawnLogged } from "./spawn-logged.js";
import { tlsRequest, type TlsClientOptions } from "./tls.js";

/** The checkout: two levels up from here, or three when compiled into dist/e2e/harness (the bench runs it from there). */
const HARNESS_ROOT = resolve(import.meta.dirname, "..", "..");
export const PROJECT_ROOT = basename(HARNESS_ROOT) === "dist" && existsSync(join(HARNESS_ROOT, "..", "package.json")) ? resolve(HARNESS_ROOT, "..") : HARNESS_ROOT;

export interface RunningRegistry {
  kind: "berth" | "reference";
  /** e.g. "127.0.0.1:41234" — what docker and skopeo are given. */
  host: string;
  url: string;
  /** The storage root (the folder holding docker/registry/v2). */
  root: string;
  process: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Storage root; a new temp folder when absent. */
  root?: string;
  port?: number;
  deleteEnabled?: boolean;
  /** Extra environment (REGISTRY_* overrides). */
  env?: Record<string, string>;
  /** Address to listen on (127.0.0.1 by default). */
  listenHost?: string;
  /** Serve HTTPS with this certificate and key; the readiness probe connects as `probe` says (CA, client certificate). */
  tls?: { certificate: string; key: string; probe: TlsClientOptions };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** count different free ports, for a server made of several listening processes. */
export async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `berth-${prefix}-`));
}

/** Fails with an install hint when a required program is missing: tests never silently skip. */
export function requireProgram(path: string, debianPackage: string): void {
  if (!existsSync(path)) {
    throw new Error(`${path} not found: install it with 'apt-get install -y ${debianPackage}' (scripts/install-test-deps.sh does)`);
  }
}

async function probeStatus(url: string, tls: TlsClientOptions | undefined): Promise<number> {
  return tls ? (await tlsRequest(url, tls)).status : (await fetch(url)).status;
}

async function waitForRegistry(url: string, child: ChildProcess, logFile: string, tls?: TlsClientOptions, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`registry exited with ${child.exitCode} before it was ready; see ${logFile}`);
    try {
      const status = await probeStatus(`${url}/v2/`, tls);
      if (status === 200 || status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`registry at ${url} not ready after ${timeoutMs} ms; see ${logFile}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
}

async function launch(
  kind: RunningRegistry["kind"],
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  root: string,
  port: number,
  logDir: string,
  endpoint: { listenHost: string; tls?: TlsClientOptions } = { listenHost: "127.0.0.1" },
): Promise<RunningRegistry> {
  const logFile = join(logDir, `${kind}.log`);
  const child = spawnLogged(command, args, logFile, { env, cwd: PROJECT_ROOT });
  const host = `${endpoint.listenHost}:${port}`;
  const url = `${endpoint.tls ? "https" : "http"}://${host}`;
  try {
    await waitForRegistry(url, child, logFile, endpoint.tls);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return { kind, host, url, root, process: child, logFile, stop: stopper(child) };
}

/** Berth from dist/ (run `npm run build` first; the e2e global setup does). */
export async function startBerth(options: StartOptions = {}): Promise<RunningRegistry> {
  const main = join(PROJECT_ROOT, "dist", "src", "main.js");
  if (!existsSync(main)) throw new Error(`${main} not found: run 'npm run build' first`);
  const root = options.root ?? tempDir("berth-data");
  const port = options.port ?? (await freePort());
  const workDir = tempDir("berth-run");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REGISTRY_HTTP_ADDR: `${options.listenHost ?? "127.0.0.1"}:${port}`,
    ...(options.tls ? { REGISTRY_HTTP_TLS_CERTIFICATE: options.tls.certificate, REGISTRY_HTTP_TLS_KEY: options.tls.key } : {}),
    // REGISTRY_STORAGE=<driver> in options.env selects another driver; a filesystem key beside it would be a second one.
    ...(options.env?.REGISTRY_STORAGE ? {} : { REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root }),
    REGISTRY_DATABASE_PATH: join(workDir, "berth.sqlite"),
    REGISTRY_STORAGE_DELETE_ENABLED: String(options.deleteEnabled ?? true),
    REGISTRY_LOG_LEVEL: "warn",
    ...options.env,
  };
  return launch("berth", process.execPath, [main, "serve"], env, root, port, workDir, {
    listenHost: options.listenHost ?? "127.0.0.1",
    ...(options.tls ? { tls: options.tls.probe } : {}),
  });
}

/** Debian's docker-registry (registry:2.8) on its own filesystem root. */
export async function startReference(options: StartOptions = {}): Promise<RunningRegistry> {
  requireProgram("/usr/bin/docker-registry", "docker-registry");
  const root = options.root ?? tempDir("reference-data");
  const port = options.port ?? (await freePort());
  const workDir = tempDir("reference-run");
  const configPath = join(workDir, "config.yml");
  writeFileSync(
    configPath,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${root}`,
      "  delete:",
      `    enabled: ${options.deleteEnabled ?? true}`,
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  // The registry:2 binary panics on some setups when AWS_CA_BUNDLE is set.
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.AWS_CA_BUNDLE;
  return launch("reference", "/usr/bin/docker-registry", ["serve", configPath], env, root, port, workDir);
}
