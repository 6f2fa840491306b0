/**
 * A real nginx (Debian's `nginx`) as the load balancer in front of several registry replicas:
 * one server block on 127.0.0.1:<free port> passing everything round-robin to the upstreams,
 * with what a registry needs behind a proxy — no body size limit, request and response bodies
 * streamed rather than buffered, the client's Host kept (upload Locations stay on nginx).
 * Everything (config, pid, temp folders, logs) lives in one temp prefix; the access log records
 * which upstream answered each request, so tests can see the requests were spread.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnLogged } from "./spawn-logged.js";
import { freePort, requireProgram, tempDir } from "./servers.js";

const NGINX = "/usr/sbin/nginx";
const STARTUP_TIMEOUT_MS = 30_000;

export interface AccessLogEntry {
  method: string;
  uri: string;
  status: number;
  /** "127.0.0.1:<port>" of the replica(s) that answered; several when nginx moved on after a failure. */
  upstreams: string[];
}

export interface RunningNginx {
  /** "127.0.0.1:<port>", what docker is given. */
  host: string;
  url: string;
  dir: string;
  /** Every request nginx has logged so far. */
  accessLog(): AccessLogEntry[];
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** "127.0.0.1:<port>" of each replica. */
  upstreams: string[];
  /**
   * Seconds nginx leaves a replica out after a failed connection (passive health check;
   * nginx's default is 10).
   */
  failTimeoutSeconds?: number;
}

function config(dir: string, port: number, options: NginxOptions): string {
  const asRoot = process.getuid?.() === 0;
  return `
${asRoot ? "user root;" : ""}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstreams '$request_method\\t$request_uri\\t$status\\t$upstream_addr';
  access_log ${dir}/access.log upstreams;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream berth {
${options.upstreams.map((address) => `    server ${address} max_fails=1 fail_timeout=${options.failTimeoutSeconds ?? 10}s;`).join("\n")}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    # Layers are gigabytes: no size limit, and streamed through in both directions.
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_read_timeout 900s;
    proxy_send_timeout 900s;
    location / {
      proxy_pass http://berth;
    }
  }
}
`;
}

function parseAccessLog(text: string): AccessLogEntry[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [method = "", uri = "", status = "0", upstream = ""] = line.split("\t");
      // "$upstream_addr" lists every server tried, separated by ", " (or " : " across internal redirects).
      return { method, uri, status: Number(status), upstreams: upstream.split(/\s*[,:]\s+/).filter((address) => address !== "" && address !== "-") };
    });
}

async function waitForListening(url: string, exited: () => boolean, errorLog: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`nginx exited before it was ready:\n${existsSync(errorLog) ? readFileSync(errorLog, "utf8").slice(-2000) : ""}`);
    try {
      await fetch(`${url}/v2/`);
      return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nginx at ${url} not ready after ${STARTUP_TIMEOUT_MS} ms; see ${errorLog}`);
}

/** Starts nginx in the foreground; stop() ends it (and its worker) and removes its folder. */
export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  requireProgram(NGINX, "nginx");
  if (options.upstreams.length === 0) throw new Error("startNginx: no upstreams");
  const dir = tempDir("nginx");
  const port = await freePort();
  const confFile = join(dir, "nginx.conf");
  const errorLog = join(dir, "error.log");
  writeFileSync(confFile, config(dir, port, options));
  // -e: the error log before the config is read (Debian's default is under /var/log/nginx).
  const child = spawnLogged(NGINX, ["-p", dir, "-c", confFile, "-e", errorLog, "-g", "daemon off;"], join(dir, "stdout.log"));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      // SIGTERM: fast shutdown of the master and its worker.
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  try {
    await waitForListening(url, () => child.exitCode !== null, errorLog);
  } catch (error) {
    await stop();
    throw error;
  }
  const accessLog = () => {
    const file = join(dir, "access.log");
    return existsSync(file) ? parseAccessLog(readFileSync(file, "utf8")) : [];
  };
  return { host, url, dir, accessLog, stop };
}
