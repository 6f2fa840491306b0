/**
 * Running `berth garbage-collect` as its own process against a running Berth's storage and
 * database (what an operator does while `berth serve` keeps serving), and reading blobs
 * straight from a filesystem root.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PROJECT_ROOT, type RunningRegistry } from "./servers.js";

/** The environment that points Berth's CLI at a running Berth's storage and database. */
export function berthEnv(berth: RunningRegistry): NodeJS.ProcessEnv {
  return {
    ...process.env,
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: berth.root,
    // startBerth keeps the database beside the server's log file.
    REGISTRY_DATABASE_PATH: join(dirname(berth.logFile), "berth.sqlite"),
    REGISTRY_LOG_LEVEL: "warn",
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `berth garbage-collect <args>`; `onLine` sees each stderr (progress) line as it comes. */
export function startGarbageCollect(berth: RunningRegistry, args: string[], onLine: (line: string, child: ChildProcess) => void = () => undefined) {
  const main = join(PROJECT_ROOT, "dist", "src", "main.js");
  const child = spawn(process.execPath, [main, "garbage-collect", ...args], { env: berthEnv(berth), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let pending = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) onLine(line, child);
  });
  const done = new Promise<CliResult>((resolve) => child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** `berth garbage-collect --json …` to its end; the run it printed. */
export async function garbageCollect(berth: RunningRegistry, args: string[]): Promise<{ id: number; state: string; summary: Record<string, number> }> {
  const result = await startGarbageCollect(berth, ["--json", ...args]).done;
  if (result.code !== 0) throw new Error(`berth garbage-collect exited with ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as { id: number; state: string; summary: Record<string, number> };
}

export function blobPath(root: string, digest: string): string {
  const hex = digest.slice("sha256:".length);
  return join(root, "docker", "registry", "v2", "blobs", "sha256", hex.slice(0, 2), hex, "data");
}

export function hasBlob(root: string, digest: string): boolean {
  return existsSync(blobPath(root, digest));
}

/** Every blob in a filesystem root, with whether its bytes hash to its name. */
export function verifyAllBlobs(root: string): { count: number; bad: string[] } {
  const base = join(root, "docker", "registry", "v2", "blobs", "sha256");
  const bad: string[] = [];
  let count = 0;
  if (!existsSync(base)) return { count, bad };
  for (const prefix of readdirSync(base)) {
    for (const hex of readdirSync(join(base, prefix))) {
      const data = join(base, prefix, hex, "data");
      if (!existsSync(data)) continue;
      count++;
      if (createHash("sha256").update(readFileSync(data)).digest("hex") !== hex) bad.push(`sha256:${hex}`);
    }
  }
  return { count, bad };
}
