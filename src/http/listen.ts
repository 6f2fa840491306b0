/** Turning http.* config into a listening Node server: TLS (with optional client CAs) or plain, TCP or unix socket. */
import { readFileSync, rmSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createTlsServer, type ServerOptions } from "node:https";
import type { SecureVersion } from "node:tls";
import type { Logger } from "pino";
import type { HttpConfig, TlsConfig, TlsVersion } from "../config/types.js";

const TLS_VERSIONS: Record<TlsVersion, SecureVersion> = {
  "tls1.0": "TLSv1",
  "tls1.1": "TLSv1.1",
  "tls1.2": "TLSv1.2",
  "tls1.3": "TLSv1.3",
};

function tlsOptions(tls: TlsConfig, logger: Logger): ServerOptions {
  const options: ServerOptions = {
    cert: readFileSync(tls.certificate),
    key: readFileSync(tls.key),
    minVersion: TLS_VERSIONS[tls.minimumtls],
  };
  if (tls.ciphersuites.length > 0) {
    // Go's suite names do not map one to one onto OpenSSL's; the runtime's secure defaults apply.
    logger.warn({ ciphersuites: tls.ciphersuites }, "http.tls.ciphersuites is not applied: using Node's default cipher list");
  }
  if (tls.clientcas.length > 0) {
    options.ca = tls.clientcas.map((path) => readFileSync(path));
    options.requestCert = true;
    // Only these modes refuse a connection without a verified client certificate.
    options.rejectUnauthorized = tls.clientauth === "require-and-verify-client-cert";
  }
  return options;
}

export function createHttpServer(http: HttpConfig, app: RequestListener, logger: Logger): Server {
  const server = http.tls ? createTlsServer(tlsOptions(http.tls, logger), app) : createServer(app);
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0; // large blob uploads may take long; idle sockets still time out
  return server;
}

function tcpAddress(addr: string): { host?: string; port: number } {
  const colon = addr.lastIndexOf(":");
  const host = colon > 0 ? addr.slice(0, colon).replace(/^\[|\]$/g, "") : undefined;
  const port = Number(colon >= 0 ? addr.slice(colon + 1) : addr);
  return host ? { host, port } : { port };
}

export async function listen(server: Server, http: HttpConfig): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (http.net === "unix") {
      rmSync(http.addr, { force: true }); // a socket file left by an earlier run
      server.listen(http.addr, () => resolve());
    } else {
      const { host, port } = tcpAddress(http.addr);
      server.listen(port, host, () => resolve());
    }
  });
}
