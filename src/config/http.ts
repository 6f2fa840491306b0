/** The http section: listen address, external URL, prefix, TLS, extra headers, debug server. */
import * as z from "zod";
import { bool, describe, duration, hostPortProblem, isHostPort, optional, text, withDefault } from "./fields.js";
import type { HttpConfig, TlsConfig } from "./types.js";

const DEFAULT_ADDR = "127.0.0.1:5000";

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Go's http.CanonicalHeaderKey: x-content-type-options → X-Content-Type-Options. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}

/** registry:2 wants a list (`[nosniff]`); a single string is taken as a list of one. */
const headerValues = z.preprocess(
  (value) => (typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? [value] : value),
  z.array(
    z.preprocess(
      (value) => (typeof value === "number" || typeof value === "boolean" ? String(value) : value),
      z.string().regex(FIELD_VALUE, "header values may not hold line breaks or control characters"),
    ),
  ),
);

const headers = z.record(
  z.string().regex(TOKEN, { error: (issue) => `${describe(issue.input)} is not a valid header name` }),
  headerValues,
);

function isHttpUrl(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

const url = text.refine(isHttpUrl, {
  error: (issue) => `expected an absolute http(s) URL like "https://registry.example.com", got ${describe(issue.input)}`,
});

const prefix = text.refine((value) => value.startsWith("/"), {
  error: (issue) => `expected a path starting with "/", got ${describe(issue.input)}`,
});

const tls = z.strictObject({
  certificate: optional(text),
  key: optional(text),
  clientcas: withDefault(z.array(text), []),
  clientauth: optional(
    z.enum(["request-client-cert", "require-any-client-cert", "verify-client-cert-if-given", "require-and-verify-client-cert"]),
  ),
  minimumtls: withDefault(z.enum(["tls1.0", "tls1.1", "tls1.2", "tls1.3"]), "tls1.2"),
  ciphersuites: withDefault(z.array(text), []),
  letsencrypt: optional(
    z.strictObject({
      cachefile: optional(text),
      email: optional(text),
      hosts: optional(z.array(text)),
      directoryurl: optional(text),
    }),
  ),
});

const debug = z.strictObject({
  addr: optional(text),
  prometheus: withDefault(
    z.strictObject({ enabled: withDefault(bool, false), path: withDefault(text, "/metrics") }),
    {},
  ),
});

type TlsSection = z.output<typeof tls>;

/** TLS as registry:2 decides it: on when a certificate is set, and only then. */
function tlsConfig(section: TlsSection | undefined, ctx: z.RefinementCtx): TlsConfig | undefined {
  if (section?.letsencrypt?.cachefile) {
    const message = section.certificate
      ? "cannot specify both certificate and Let's Encrypt"
      : "Let's Encrypt is not supported by Berth; set http.tls.certificate and http.tls.key";
    ctx.addIssue({ code: "custom", path: ["tls", "letsencrypt"], message, input: section.letsencrypt });
    return undefined;
  }
  if (!section?.certificate) return undefined;
  if (!section.key) {
    ctx.addIssue({ code: "custom", path: ["tls", "key"], message: "required when http.tls.certificate is set", input: section.key });
    return undefined;
  }
  return {
    certificate: section.certificate,
    key: section.key,
    clientcas: section.clientcas,
    clientauth: section.clientauth ?? "require-and-verify-client-cert",
    minimumtls: section.minimumtls,
    ciphersuites: section.ciphersuites,
  };
}

/** Header names merged case-insensitively into Go's canonical spelling, values in order. */
function canonicalHeaders(section: Record<string, string[]>): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(section)) {
    const canonical = canonicalHeaderName(name);
    merged[canonical] = [...(merged[canonical] ?? []), ...values];
  }
  return merged;
}

export const httpSchema = z
  .strictObject({
    addr: optional(text),
    net: withDefault(z.preprocess((value) => (value === "" ? "tcp" : value), z.enum(["tcp", "unix"])), "tcp"),
    host: optional(url),
    prefix: withDefault(prefix, "/"),
    secret: optional(text),
    relativeurls: withDefault(bool, false),
    draintimeout: withDefault(duration, "10s"),
    tls: optional(tls),
    headers: withDefault(headers, {}),
    debug: optional(debug),
    // Accepted as registry:2 has them; Node's server speaks HTTP/1.1 here.
    http2: optional(z.strictObject({ disabled: optional(bool) })),
    h2c: optional(z.strictObject({ enabled: optional(bool) })),
  })
  .transform((http, ctx): HttpConfig => {
    const addr = http.addr ?? DEFAULT_ADDR;
    if (http.net === "tcp" && !isHostPort(addr)) {
      ctx.addIssue({ code: "custom", path: ["addr"], message: hostPortProblem(addr), input: addr });
    }
    if (http.net === "unix" && http.addr === undefined) {
      ctx.addIssue({ code: "custom", path: ["addr"], message: 'required (a socket path) when http.net is "unix"' });
    }
    const debugAddr = http.debug?.addr;
    if (debugAddr !== undefined && !isHostPort(debugAddr)) {
      ctx.addIssue({ code: "custom", path: ["debug", "addr"], message: hostPortProblem(debugAddr), input: debugAddr });
    }
    return {
      addr,
      net: http.net,
      host: http.host,
      prefix: http.prefix,
      secret: http.secret,
      relativeurls: http.relativeurls,
      tls: tlsConfig(http.tls, ctx),
      headers: canonicalHeaders(http.headers),
      debug: http.debug && debugAddr !== undefined ? { addr: debugAddr, prometheus: http.debug.prometheus } : undefined,
      draintimeout: http.draintimeout,
    };
  });
