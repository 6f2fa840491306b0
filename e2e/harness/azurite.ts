/**
 * Azurite, Microsoft's Azure Storage emulator, from npm (a devDependency pinned to a release that
 * runs on Node 20): its blob service alone, on 127.0.0.1 and a free port, data in memory.
 * `--skipApiVersionCheck` lets the newer SDK's x-ms-version through; `--loose` ignores headers
 * the emulator does not know. Used by the azure driver's tests and the e2e tests on azure, and by
 * the benchmark (with `onDisk`).
 */
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { spawnLogged } from "./spawn-logged.js";
import { freePort, tempDir } from "./servers.js";

/** Azurite's built-in development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface RunningAzurite {
  /** http://127.0.0.1:<port>/devstoreaccount1 — the `serviceurl` a driver is given. */
  serviceUrl: string;
  accountName: string;
  accountKey: string;
  connectionString: string;
  logFile: string;
  stop(): Promise<void>;
}

function azuriteBlobMain(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve("azurite/package.json");
  } catch {
    throw new Error("azurite is not installed: it is a devDependency of Berth, run 'npm install'");
  }
  const main = join(packageJson, "..", "dist", "src", "blob", "main.js");
  if (!existsSync(main)) throw new Error(`${main} not found: reinstall azurite ('npm install')`);
  return main;
}

async function waitForAzurite(url: string, exited: () => string | null, logFile: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exit = exited();
    if (exit !== null) throw new Error(`azurite exited (${exit}) before it was ready; see ${logFile}`);
    try {
      // Any answer (403 without credentials) means it listens.
      await fetch(`${url}?comp=list`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`azurite at ${url} not ready after ${timeoutMs} ms; see ${logFile}`);
}

export interface AzuriteOptions {
  /** Cap of the in-memory store, MB. */
  extentMemoryLimitMb?: number;
  /** Keep blobs on disk (in its temp folder, removed on stop) instead of in memory: for more data than memory should hold (benchmarks). */
  onDisk?: boolean;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const main = azuriteBlobMain();
  const workDir = tempDir("azurite");
  const port = await freePort();
  const logFile = join(workDir, "azurite.log");
  const args = [
    main,
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(port),
    ...(options.onDisk ? ["--location", join(workDir, "data")] : ["--inMemoryPersistence", "--extentMemoryLimit", String(options.extentMemoryLimitMb ?? 1024)]),
    "--skipApiVersionCheck",
    "--loose",
    "--disableTelemetry",
    "--disableProductStyleUrl",
    "--silent",
  ];
  // cwd is a temp folder: nothing azurite might write lands in the project.
  const child = spawnLogged(process.execPath, args, logFile, { cwd: workDir });
  const serviceUrl = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const exited = () => (child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode);
  try {
    await waitForAzurite(serviceUrl, exited, logFile);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    serviceUrl,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${serviceUrl};`,
    logFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
