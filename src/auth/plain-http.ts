/**
 * Basic credentials over plain HTTP are readable by anyone on the path. Berth refuses to
 * start that way on a non-loopback address unless the operator says so (allowplainhttp).
 */
import type { Config } from "../config/types.js";

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare) || bare === "::ffff:127.0.0.1";
}

/** The host part of "host:port" (":5000" → "", all interfaces). */
function hostOf(addr: string): string {
  const colon = addr.lastIndexOf(":");
  return colon < 0 ? "" : addr.slice(0, colon);
}

/** A sentence explaining why Berth must not start, or null. */
export function plainHttpProblem(config: Config): string | null {
  if (config.http.tls || config.http.net === "unix") return null;
  if (isLoopbackHost(hostOf(config.http.addr))) return null;
  const { htpasswd, berth } = config.auth;
  const key = htpasswd ? "auth.htpasswd" : berth ? "auth.berth" : null;
  if (key === null) return null;
  if (htpasswd?.allowplainhttp === true || berth?.allowplainhttp === true) return null;
  return (
    `${key} sends passwords with every login, and http.addr ${JSON.stringify(config.http.addr)} serves plain HTTP beyond this host: ` +
    `set http.tls.certificate and http.tls.key, listen on a loopback address, or set ${key}.allowplainhttp: true ` +
    `(e.g. behind a TLS-terminating proxy)`
  );
}
