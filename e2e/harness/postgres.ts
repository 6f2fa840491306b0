/**
 * A real PostgreSQL server (Debian's `postgresql`) for one test file: initdb into a temp data
 * folder, then `postgres` on 127.0.0.1:<free port> with its socket in that folder, password
 * (scram-sha-256) authentication over TCP for a superuser "berth". PostgreSQL refuses to run as
 * root, so as root both run as the `postgres` system user the Debian package creates.
 * Durability is traded for speed (fsync off): the server is thrown away with the test.
 * stop() ends it and removes the folder; createDatabase() gives each suite an empty database.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnLogged } from "./spawn-logged.js";
import pg from "pg";
import { freePort, requireProgram, tempDir } from "./servers.js";

const DEBIAN_PACKAGE = "postgresql";
const STARTUP_TIMEOUT_MS = 60_000;

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The database initdb made ("postgres"): the one to create others from. */
  database: string;
  /** postgres://berth:<password>@127.0.0.1:<port>/postgres */
  url: string;
  dataDir: string;
  logFile: string;
  /** Creates an empty database and answers its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest /usr/lib/postgresql/<major>/bin (Debian keeps the server binaries off PATH). */
function binDir(): string {
  const base = "/usr/lib/postgresql";
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(base, name, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const major = majors[0];
  if (major === undefined) {
    throw new Error(`PostgreSQL server not found under ${base}: install it with 'apt-get install -y ${DEBIAN_PACKAGE}' (scripts/install-test-deps.sh does)`);
  }
  return join(base, major, "bin");
}

/** The uid/gid to run the server as: the `postgres` user when we are root (initdb refuses root). */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root and no 'postgres' user exists: install '${DEBIAN_PACKAGE}' (apt-get install -y ${DEBIAN_PACKAGE}), which creates it`);
  }
}

async function waitForConnection(config: pg.ClientConfig, exited: () => boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = "";
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`postgres exited before it was ready:\n${readFileSync(logFile, "utf8").slice(-2000)}`);
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`postgres not ready after ${STARTUP_TIMEOUT_MS} ms: ${last}; see ${logFile}`);
}

export async function startPostgres(): Promise<RunningPostgres> {
  const bin = binDir();
  requireProgram(join(bin, "initdb"), DEBIAN_PACKAGE);
  const identity = serverIdentity();
  const dir = tempDir("postgres");
  const dataDir = join(dir, "data");
  const user = "berth";
  const password = randomBytes(12).toString("hex");
  const passwordFile = join(dir, "password");
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (identity) {
    chownSync(dir, identity.uid, identity.gid);
    chownSync(passwordFile, identity.uid, identity.gid);
  }
  const asServer = identity ? { uid: identity.uid, gid: identity.gid } : {};
  try {
    execFileSync(
      join(bin, "initdb"),
      ["-D", dataDir, "-U", user, `--pwfile=${passwordFile}`, "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      { stdio: ["ignore", "pipe", "pipe"], ...asServer },
    );
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${stderr || String(error)}`);
  }

  const port = await freePort();
  const logFile = join(dir, "postgres.log");
  const child = spawnLogged(
    join(bin, "postgres"),
    [
      "-D", dataDir,
      "-p", String(port),
      "-c", "listen_addresses=127.0.0.1",
      "-c", `unix_socket_directories=${dir}`,
      "-c", "fsync=off",
      "-c", "synchronous_commit=off",
      "-c", "full_page_writes=off",
      "-c", "max_connections=200",
    ],
    logFile,
    asServer,
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      // SIGQUIT: "immediate shutdown" — no checkpoint, as after a crash: the data is thrown away.
      child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const host = "127.0.0.1";
  const database = "postgres";
  const connection = { host, port, user, password, database };
  try {
    await waitForConnection(connection, () => child.exitCode !== null, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  const urlOf = (name: string) => `postgres://${user}:${password}@${host}:${port}/${name}`;
  let databases = 0;
  const createDatabase = async (name = `test_${process.pid}_${++databases}_${randomBytes(3).toString("hex")}`) => {
    const client = new pg.Client(connection);
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return urlOf(name);
  };
  return { host, port, user, password, database, url: urlOf(database), dataDir, logFile, createDatabase, stop };
}
