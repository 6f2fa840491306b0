/**
 * A private Docker daemon for one e2e test file: its own data root, exec root, socket and
 * client config, all in short temp folders (unix socket paths are limited to ~108 bytes).
 * Needs root and Debian's docker.io (dockerd, /usr/bin/docker). stop() kills it and removes
 * every folder it used.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnLogged } from "./spawn-logged.js";
import { run } from "./run.js";
import { requireProgram } from "./servers.js";

/** The Debian client; /usr/local/bin/docker may be an unrelated, newer one. */
export const DOCKER = "/usr/bin/docker";
const DOCKERD = "/usr/sbin/dockerd";

export interface DockerOptions {
  /** Working directory of the client (e.g. a build context). */
  cwd?: string;
  /** Extra environment for the client. */
  env?: Record<string, string>;
}

export interface Dockerd {
  /** "unix:///tmp/…/d.sock", what DOCKER_HOST is set to. */
  host: string;
  /** Runs /usr/bin/docker against this daemon; resolves with stdout, rejects with stderr in the message. */
  docker(args: string[], options?: DockerOptions): Promise<string>;
  logFile: string;
  stop(): Promise<void>;
}

function tail(file: string, lines = 20): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolveWait) => {
    const timer = setTimeout(() => resolveWait(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolveWait(true);
    });
  });
}

export async function startDockerd(readyTimeoutMs = 60_000): Promise<Dockerd> {
  requireProgram(DOCKERD, "docker.io");
  requireProgram(DOCKER, "docker.io");
  if (process.getuid?.() !== 0) throw new Error("dockerd needs root: run the e2e tests as root (CI does)");

  const base = mkdtempSync("/tmp/bd-");
  const socket = join(base, "d.sock");
  const host = `unix://${socket}`;
  const logFile = join(base, "dockerd.log");
  const clientEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(base, "client"), DOCKER_BUILDKIT: "0" };

  const child = spawnLogged(
    DOCKERD,
    [
      "--storage-driver=vfs",
      "--iptables=false",
      "--bridge=none",
      "--data-root", join(base, "root"),
      "--exec-root", join(base, "x"),
      "--pidfile", join(base, "pid"),
      "-H", host,
    ],
    logFile,
  );

  const docker = (args: string[], options: DockerOptions = {}) =>
    run(DOCKER, args, { cwd: options.cwd, env: { ...clientEnv, ...options.env } });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      if (!(await waitForExit(child, 20_000))) {
        child.kill("SIGKILL");
        await waitForExit(child, 5_000);
      }
    }
    // dockerd normally stops the containerd it started; make sure, by its own pid file.
    const containerdPid = join(base, "x", "containerd", "containerd.pid");
    if (existsSync(containerdPid)) {
      const pid = Number(readFileSync(containerdPid, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) process.kill(pid, "SIGKILL");
    }
    unmountBelow(base);
    rmSync(base, { recursive: true, force: true, maxRetries: 3 });
  };

  const deadline = Date.now() + readyTimeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const message = tail(logFile);
      await stop();
      throw new Error(`dockerd exited with ${child.exitCode} before it was ready:\n${message}`);
    }
    try {
      await docker(["info", "--format", "{{.ServerVersion}}"]);
      return { host, docker, logFile, stop };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const message = tail(logFile);
  await stop();
  throw new Error(`dockerd not ready after ${readyTimeoutMs} ms: ${lastError}\n${message}`);
}

/**
 * dockerd can leave its host-network namespace mounted under its exec root after running
 * containers with --network host; such mounts would make the folder impossible to remove.
 */
function unmountBelow(base: string): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8").split("\n").map((line) => line.split(" ")[1] ?? "");
  for (const mount of mounts.filter((path) => path.startsWith(`${base}/`)).reverse()) {
    execFileSync("umount", ["-l", mount]);
  }
}
