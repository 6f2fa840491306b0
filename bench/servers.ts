/**
 * Starting the two registries under test through the shared e2e harness, each on a fresh
 * temp storage root that is removed again when it stops (its log is kept if not empty).
 */
import { existsSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { spawnLogged } from "../e2e/harness/spawn-logged.js";
import {
  PROJECT_ROOT,
  freePort,
  startBerth,
  startReference,
  tempDir,
  type RunningRegistry,
  type StartOptions,
} from "../e2e/harness/servers.js";

export type Side = "berth" | "reference";

export interface BenchRegistry {
  side: Side;
  /** What actually runs on this side ("berth" or "reference"; "reference" for both in --self-check). */
  implementation: RunningRegistry["kind"];
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/** The repository root: the harness computes it from its own location, which is dist/… once compiled. */
export function repositoryRoot(): string {
  const candidates = [PROJECT_ROOT, resolve(PROJECT_ROOT, "..")];
  return candidates.find((dir) => existsSync(join(dir, "package.json")) && existsSync(join(dir, "dist", "src", "main.js"))) ?? PROJECT_ROOT;
}

/**
 * Berth from dist/src/main.js. Uses the harness's startBerth when its path resolution finds
 * the build; compiled into dist/e2e/harness the harness looks for dist/dist/src/main.js, so
 * then the same launch (same environment) is done here with the right path.
 */
async function launchBerth(options: StartOptions): Promise<RunningRegistry> {
  if (existsSync(join(PROJECT_ROOT, "dist", "src", "main.js"))) return startBerth(options);
  const root = repositoryRoot();
  const main = join(root, "dist", "src", "main.js");
  if (!existsSync(main)) throw new Error(`${main} not found: run 'npm run build' first`);
  const storage = options.root ?? tempDir("berth-data");
  const port = options.port ?? (await freePort());
  const workDir = tempDir("berth-run");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REGISTRY_HTTP_ADDR: `127.0.0.1:${port}`,
    // REGISTRY_STORAGE=<driver> selects another driver; a filesystem key beside it would be a second one.
    ...(options.env?.REGISTRY_STORAGE ? {} : { REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: storage }),
    REGISTRY_DATABASE_PATH: join(workDir, "berth.sqlite"),
    REGISTRY_STORAGE_DELETE_ENABLED: String(options.deleteEnabled ?? true),
    REGISTRY_LOG_LEVEL: "warn",
    ...options.env,
  };
  const logFile = join(workDir, "berth.log");
  const child = spawnLogged(process.execPath, [main, "serve"], logFile, { env, cwd: root });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Berth exited with ${child.exitCode} before it was ready; see ${logFile}`);
    try {
      const res = await fetch(`${url}/v2/`);
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Berth at ${url} not ready after 30 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { kind: "berth", host: `127.0.0.1:${port}`, url, root: storage, process: child, logFile, stop };
}

export interface SideOptions {
  /**
   * REGISTRY_* variables for this side (e.g. REGISTRY_STORAGE=swift and its keys); the same
   * names work for both registries. Without REGISTRY_STORAGE, each gets a fresh filesystem root.
   */
  env?: Record<string, string>;
}

/**
 * Starts the registry for `side`. With `selfCheck`, the Berth side is a second reference
 * registry: the machinery is then measured against itself (ratios should be ≈ 1).
 */
export async function startSide(side: Side, selfCheck: boolean, options: SideOptions = {}): Promise<BenchRegistry> {
  const root = tempDir(`bench-${side}`);
  const start = { root, ...(options.env ? { env: options.env } : {}) };
  const running = side === "berth" && !selfCheck ? await launchBerth(start) : await startReference(start);
  const pid = running.process.pid;
  if (pid === undefined) throw new Error(`${side}: no pid`);
  return {
    side,
    implementation: running.kind,
    url: running.url,
    pid,
    logFile: running.logFile,
    stop: async () => {
      await running.stop();
      rmSync(root, { recursive: true, force: true });
      // The run folder (config, log, SQLite index) stays only when the server logged something.
      if (statSync(running.logFile, { throwIfNoEntry: false })?.size === 0) rmSync(dirname(running.logFile), { recursive: true, force: true });
    },
  };
}
