/**
 * TLS for end-to-end tests: a throw-away CA, server and client certificates (src/auth/test-pki.ts,
 * the openssl CLI); an HTTPS client that trusts that CA (Node's fetch cannot be given one); and
 * docker's per-registry trust folder, /etc/docker/certs.d/<host:port>/, as operators set it up.
 *
 * dockerd treats 127.0.0.0/8 as an insecure registry (no certificate checks, certs.d ignored),
 * so TLS tests listen on this machine's first non-loopback IPv4 address.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { CLIENT_EXTENSIONS, SERVER_EXTENSIONS, TestCa } from "../../src/auth/test-pki.js";
import { tempDir } from "./servers.js";

export interface TestPki {
  dir: string;
  /** PEM paths. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA and a client certificate it signed: one the server must refuse. */
  otherClientCert: string;
  otherClientKey: string;
  remove(): void;
}

/** This machine's first non-loopback IPv4 address. */
export function externalAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  throw new Error("no non-loopback IPv4 address: docker treats 127.0.0.0/8 as insecure, so TLS tests need one");
}

/** A CA, a server certificate for `ip` (and 127.0.0.1, localhost), a client certificate, and a client certificate from another CA. */
export function makePki(ip: string): TestPki {
  const dir = tempDir("pki");
  const ca = TestCa.root(dir, "ca", "/CN=Berth test CA");
  const server = ca.issue("server", `/CN=${ip}`, SERVER_EXTENSIONS(ip));
  const client = ca.issue("client", "/CN=ci-client", CLIENT_EXTENSIONS);
  const stranger = TestCa.root(dir, "other-ca", "/CN=Some other CA").issue("other-client", "/CN=stranger", CLIENT_EXTENSIONS);
  return {
    dir,
    caCert: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    otherClientCert: stranger.cert,
    otherClientKey: stranger.key,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsClientOptions {
  /** PEM path of the CA to trust. */
  ca: string;
  /** PEM paths of a client certificate and key, for mutual TLS. */
  cert?: string;
  key?: string;
}

export interface TlsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request trusting the test CA; rejects on TLS or connection errors. */
export function tlsRequest(
  url: string,
  tls: TlsClientOptions,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<TlsResponse> {
  return new Promise((resolveRequest, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers,
        ca: readFileSync(tls.ca),
        ...(tls.cert && tls.key ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolveRequest({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * Makes dockerd trust the CA for one registry (and present a client certificate, for mutual
 * TLS), as /etc/docker/certs.d/<host:port>/ does; returns the function that removes it.
 */
export function trustInDocker(hostPort: string, caCert: string, client?: { cert: string; key: string }): () => void {
  const dir = join("/etc/docker/certs.d", hostPort);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "ca.crt"), readFileSync(caCert));
  if (client) {
    writeFileSync(join(dir, "client.cert"), readFileSync(client.cert));
    writeFileSync(join(dir, "client.key"), readFileSync(client.key), { mode: 0o600 });
  }
  return () => rmSync(dir, { recursive: true, force: true });
}
