/**
 * `berth healthcheck`: asks the running server's /readyz on its own address (the Docker
 * image's HEALTHCHECK). A wildcard listen address is asked on loopback; over TLS the
 * certificate is not checked, since the server asked is the one on this machine.
 */
import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { loadConfig } from "../config/index.js";
import type { HttpConfig } from "../config/types.js";

const PROBE_TIMEOUT_MS = 5_000;

function target(http: HttpConfig): RequestOptions {
  if (http.net === "unix") return { socketPath: http.addr };
  const match = /^(.*):(\d+)$/.exec(http.addr);
  const host = (match?.[1] ?? "").replace(/^\[(.*)\]$/, "$1");
  const loopback = host === "" || host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return { host: loopback, port: Number(match?.[2] ?? 5000) };
}

/** Resolves with the status and body of GET /readyz; rejects when nothing answers in time. */
export function probeReadiness(http: HttpConfig): Promise<{ status: number; body: string }> {
  const send = http.tls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      { ...target(http), path: "/readyz", method: "GET", timeout: PROBE_TIMEOUT_MS, ...(http.tls ? { rejectUnauthorized: false } : {}) },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** `berth healthcheck [config.yml]`: exit code 0 when the server on this machine is ready, 1 otherwise. */
export async function healthcheckCommand(configPath: string | undefined): Promise<number> {
  const config = loadConfig(configPath === undefined ? {} : { path: configPath });
  try {
    const { status, body } = await probeReadiness(config.http);
    process.stdout.write(`${body.trim()}\n`);
    return status === 200 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`berth healthcheck: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
